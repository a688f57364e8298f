/// Linux 6.8+: `.altinstructions` of packed `struct alt_instr { s32
/// instr_offset; s32 repl_offset; u16 cpuid; u16 flags; u8 instrlen; u8
/// replacementlen; }`, 14 bytes; a paravirt site has ALT_FLAG_DIRECT_CALL
/// (bit 1) in flags. It fits a section with relocations at 0 and 4 of every
/// 14 bytes; without relocations, one that 14 divides and 12 does not.
public struct Linux68Format: RecordFormat {
    public init() {}

    public var name: String { "linux-6.8" }
    public var defaultSection: String { ".altinstructions" }

    static let recordLayout = RecordLayout(
        stride: 14, instr: .init(0, 4), pointer: .relative32, type: nil,
        length: .init(12, 1), clobbers: nil, flags: .init(10, 2), requiredFlags: 1 << 1,
        allowsShortLastRecord: false)

    public var layout: RecordLayout? { Self.recordLayout }

    public func fit(_ section: RecordSection) -> String? {
        if !section.relocations.isEmpty {
            guard section.hasPointerPairs(every: 14) else { return nil }
            return "relocations at 0 and 4 of every 14 bytes: Linux 6.8+ alt_instr, paravirt sites flagged ALT_FLAG_DIRECT_CALL"
        }
        guard section.size % 14 == 0 && section.size % 12 != 0 else { return nil }
        return "\(section.size) bytes: a whole number of 14-byte alt_instr records only"
    }
}
