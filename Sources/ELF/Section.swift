/// One section header, as a value.
public struct Section: Sendable, Equatable {
    public let index: Int
    public let name: String
    public let type: SectionType
    public let flags: SectionFlags
    /// sh_addr: 0 in relocatable objects, the virtual address in linked images.
    public let address: UInt64
    /// sh_offset: where the bytes start in the file.
    public let fileOffset: UInt64
    public let size: UInt64
    public let link: UInt32
    public let info: UInt32
    public let alignment: UInt64
    public let entrySize: UInt64

    public var isExecutable: Bool { flags.contains(.execInstr) }
    public var isAllocated: Bool { flags.contains(.alloc) }
    /// True when the section occupies bytes in the file.
    public var hasFileBytes: Bool { type != .nobits && type != .null }

    /// Whether the virtual address `address` lies in this section.
    public func contains(address a: UInt64) -> Bool {
        a >= address && a - address < size
    }
}
