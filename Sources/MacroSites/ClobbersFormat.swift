/// The corpus, and Linux on x86-64 while the clobbers field existed:
/// `.parainstructions` of `{ void *instr; u8 type; u8 len; u16 clobbers; }`,
/// 16 bytes. It fits a 16-byte-record section where some record's clobbers
/// are non-zero (a site clobbers at least one register).
public struct ClobbersFormat: RecordFormat {
    public init() {}

    public var name: String { "clobbers" }
    public var defaultSection: String { ".parainstructions" }

    /// Bytes 10-11: the clobbers here, padding in `Linux61Format`.
    static let clobbers = RecordLayout.Field(10, 2)

    static let recordLayout = RecordLayout(
        stride: 16, instr: .init(0, 8), pointer: .absolute64, type: .init(8, 1),
        length: .init(9, 1), clobbers: clobbers, flags: nil, requiredFlags: 0,
        allowsShortLastRecord: true)

    public var layout: RecordLayout? { Self.recordLayout }

    public func fit(_ section: RecordSection) -> String? {
        guard Self.isParainstructions(section) else { return nil }
        let (withClobbers, count) = section.recordsWithNonZero(Self.clobbers, stride: 16)
        guard withClobbers > 0 else { return nil }
        return "\(withClobbers) of \(count) record\(count == 1 ? " has" : "s have") a clobbers field (bytes 10-11 non-zero)"
    }

    /// Whether `section` can hold 16-byte `.parainstructions` records (this
    /// format's or `Linux61Format`'s): its size fits them (the last may lack
    /// its padding), and it is not `.altinstructions`.
    static func isParainstructions(_ section: RecordSection) -> Bool {
        section.name != ".altinstructions" && recordLayout.recordCount(sectionSize: section.size) != nil
    }
}
