/// Linux before 6.8: `.altinstructions` of 12-byte `struct alt_instr`,
/// which never holds a paravirt site (those were in `.parainstructions`),
/// so there is nothing to read. It fits a section with relocations at 0 and
/// 4 of every 12 bytes; without relocations, one that 12 divides and 14
/// does not. Not a `--layout` name.
public struct AltInstrBefore68Format: RecordFormat {
    public init() {}

    public var name: String { "alt_instr-before-6.8" }
    public var defaultSection: String { ".altinstructions" }
    public var layout: RecordLayout? { nil }

    public func fit(_ section: RecordSection) -> String? {
        if !section.relocations.isEmpty {
            guard section.hasPointerPairs(every: 12) else { return nil }
            return "relocations at 0 and 4 of every 12 bytes: pre-6.8 alt_instr, which holds no paravirt sites"
        }
        guard section.size % 12 == 0 && section.size % 14 != 0 else { return nil }
        return "\(section.size) bytes: 12-byte pre-6.8 alt_instr records, no paravirt sites"
    }
}
