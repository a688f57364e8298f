import DebugInfo
import ELF

/// One patchable place in one object, found by either strategy.
public struct Site: Sendable, Hashable, Codable {
    public let section: String
    public let sectionIndex: Int
    /// Offset of the site's first byte in its section.
    public let offset: UInt64
    /// Its address: the offset in a relocatable object, the virtual address
    /// in a linked image.
    public let address: UInt64
    /// `func+0x1a`, or `section+0x1a`.
    public let location: String
    public let length: Int
    public let kind: SiteKind
    public let op: Op
    /// What the site may clobber: the record's set for annotated sites, the
    /// C ABI's caller-saved set for scanned ones; nil when a record layout
    /// carries no clobbers (Linux 6.1).
    public let clobbers: ClobberSet?
    /// The inline chain at the site, innermost first (empty without DWARF).
    public var source: [SourceFrame]
    /// Why the strategy believes this is a site (the load it came from, the
    /// record index); one line.
    public let evidence: String

    public init(section: String, sectionIndex: Int, offset: UInt64, address: UInt64, location: String,
                length: Int, kind: SiteKind, op: Op, clobbers: ClobberSet?, source: [SourceFrame] = [],
                evidence: String) {
        self.section = section
        self.sectionIndex = sectionIndex
        self.offset = offset
        self.address = address
        self.location = location
        self.length = length
        self.kind = kind
        self.op = op
        self.clobbers = clobbers
        self.source = source
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey {
        case section, offset, address, location, length, kind, op, type, clobbers, source, evidence
        case sectionIndex = "section_index"
        case opOffset = "op_offset"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        section = try c.decode(String.self, forKey: .section)
        sectionIndex = try c.decode(Int.self, forKey: .sectionIndex)
        offset = try c.decode(UInt64.self, forKey: .offset)
        address = try c.decode(UInt64.self, forKey: .address)
        location = try c.decode(String.self, forKey: .location)
        length = try c.decode(Int.self, forKey: .length)
        kind = try c.decode(SiteKind.self, forKey: .kind)
        op = Op(offset: try c.decode(Int64.self, forKey: .opOffset), name: try c.decode(String.self, forKey: .op))
        clobbers = try c.decodeIfPresent(ClobberSet.self, forKey: .clobbers)
        source = try c.decode([SourceFrame].self, forKey: .source)
        evidence = try c.decode(String.self, forKey: .evidence)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(section, forKey: .section)
        try c.encode(sectionIndex, forKey: .sectionIndex)
        try c.encode(offset, forKey: .offset)
        try c.encode(address, forKey: .address)
        try c.encode(location, forKey: .location)
        try c.encode(length, forKey: .length)
        try c.encode(kind, forKey: .kind)
        try c.encode(op.name, forKey: .op)
        try c.encode(op.offset, forKey: .opOffset)
        try c.encode(op.type, forKey: .type)
        try c.encode(clobbers, forKey: .clobbers)
        try c.encode(source, forKey: .source)
        try c.encode(evidence, forKey: .evidence)
    }
}
