import SiteModel

/// One record as Linux 6.1's patcher reads it,
/// `struct paravirt_patch_site { u8 *instr; u8 type; u8 len; }` (plus the
/// clobbers u16 of the older layout): where the site is, which op, how many
/// bytes `apply_paravirt` may overwrite.
public struct PatchRecord: Sendable, Hashable, Encodable {
    public let section: String
    public let sectionIndex: Int
    /// Offset of the site's first byte in its section.
    public let offset: UInt64
    /// The site's address: the offset in an object, the virtual address in
    /// a linked image (what `instr` holds there).
    public let address: UInt64
    /// `func+0x1a`: the name the tool prints and the `.S` file links by.
    public let location: String
    /// The op's field offset in the table / 8.
    public let type: UInt8
    /// Bytes the patcher may overwrite.
    public let length: UInt8
    /// The CLBR_* bits, for the layout that has a clobbers field.
    public let clobbers: UInt16
    /// The op's name (or `+0x28`), for people.
    public let op: String

    public init(site: Site, type: UInt8, length: UInt8) {
        section = site.section
        sectionIndex = site.sectionIndex
        offset = site.offset
        address = site.address
        location = site.location
        self.type = type
        self.length = length
        clobbers = site.clobbers?.rawValue ?? 0
        op = site.op.description
    }

    /// The bytes `[offset, end)` of the section the patcher writes.
    public var end: UInt64 { offset + UInt64(length) }

    /// The section's index is the file's business, not the JSON's.
    enum CodingKeys: String, CodingKey {
        case section, offset, address, location, type, length, clobbers, op
    }
}
