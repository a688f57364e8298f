/// One layout of annotated-site records, able to say whether a section
/// holds records in it. `FormatDetection` tries the known ones in order;
/// `--layout` names one (`RecordFormats.parse`).
public protocol RecordFormat: Sendable {
    /// What `--layout` calls it and reports print.
    var name: String { get }
    /// The section its records live in by default.
    var defaultSection: String { get }
    /// Where the fields of a paravirt-site record lie; nil when records in
    /// this format are never paravirt sites.
    var layout: RecordLayout? { get }
    /// Why `section` holds records in this format, in one line; nil when it
    /// does not.
    func fit(_ section: RecordSection) -> String?
}
