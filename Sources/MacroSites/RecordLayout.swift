/// Where the fields of one annotated-site record lie: what the reader needs
/// to read a section of them. Which layout a section holds is a
/// `RecordFormat`'s business.
public struct RecordLayout: Sendable, Equatable {
    /// How the instruction pointer is stored.
    public enum Pointer: String, Sendable, Equatable {
        /// An absolute address (`.quad 771b`), R_X86_64_64 in objects.
        case absolute64
        /// A 32-bit offset from the field itself (`.long 771b - .`), R_X86_64_PC32.
        case relative32
    }

    /// A field: byte offset in the record and width in bytes.
    public struct Field: Sendable, Equatable {
        public let offset: Int
        public let width: Int
        public init(_ offset: Int, _ width: Int) {
            self.offset = offset
            self.width = width
        }
    }

    /// Bytes from one record to the next.
    public let stride: Int
    public let instr: Field
    public let pointer: Pointer
    /// The type byte (op offset / 8); nil when the op comes from the site's
    /// own relocation (Linux 6.8+).
    public let type: Field?
    public let length: Field
    public let clobbers: Field?
    /// For `.altinstructions`: the flags field and the bit that makes an
    /// entry a paravirt site (ALT_FLAG_DIRECT_CALL).
    public let flags: Field?
    public let requiredFlags: UInt64
    /// Linux 2.6.25 to 6.0 emitted 12 bytes and aligned the next record to
    /// 8, so the last record may lack its 4 bytes of padding.
    public let allowsShortLastRecord: Bool

    /// How many records a section of `size` bytes holds, or nil when the
    /// size does not fit the layout.
    public func recordCount(sectionSize size: UInt64) -> Int? {
        let s = UInt64(stride)
        if size % s == 0 { return Int(size / s) }
        if allowsShortLastRecord && stride == 16 && size % 16 == 12 { return Int(size / 16) + 1 }
        return nil
    }
}
