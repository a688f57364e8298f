/// Linux up to 6.7: `.parainstructions` of `{ u8 *instr; u8 type; u8 len; }`,
/// 16 bytes, where the clobbers field used to be is padding. It fits a
/// 16-byte-record section whose bytes 10-11 are zero in every record.
public struct Linux61Format: RecordFormat {
    public init() {}

    public var name: String { "linux-6.1" }
    public var defaultSection: String { ".parainstructions" }

    static let recordLayout = RecordLayout(
        stride: 16, instr: .init(0, 8), pointer: .absolute64, type: .init(8, 1),
        length: .init(9, 1), clobbers: nil, flags: nil, requiredFlags: 0,
        allowsShortLastRecord: true)

    public var layout: RecordLayout? { Self.recordLayout }

    public func fit(_ section: RecordSection) -> String? {
        guard ClobbersFormat.isParainstructions(section) else { return nil }
        let (withClobbers, count) = section.recordsWithNonZero(ClobbersFormat.clobbers, stride: 16)
        guard withClobbers == 0 else { return nil }
        return count == 1 ? "bytes 10-11 are zero in the one record: no clobbers field"
            : "bytes 10-11 are zero in all \(count) records: no clobbers field"
    }
}
