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
    /// The compilation unit (source file compiled) the site's code belongs
    /// to, from DWARF; nil without. Not part of the JSON.
    public var unit: String?
    /// Why the strategy believes this is a site (the load it came from, the
    /// record index); one line, for people.
    public let evidence: String
    /// For a scanned site, the place of the reference it was found from
    /// (its own relocation, or the load or address that reached it): what
    /// a cause is decided from. Nil for a recorded site.
    public let origin: Place?
    /// A call that loads of several ops reach (gcc tail-merged or
    /// cross-jumped the calls): every op, in offset order, and the places
    /// of every reference that reaches it. Empty for an ordinary site. Such
    /// a call belongs to none of its ops.
    public let mergedOps: [Op]
    public let mergedOrigins: [Place]

    public init(section: String, sectionIndex: Int, offset: UInt64, address: UInt64, location: String,
                length: Int, kind: SiteKind, op: Op, clobbers: ClobberSet?, source: [SourceFrame] = [],
                evidence: String, origin: Place? = nil, mergedOps: [Op] = [], mergedOrigins: [Place] = [],
                unit: String? = nil) {
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
        self.origin = origin
        self.mergedOps = mergedOps
        self.mergedOrigins = mergedOrigins
        self.unit = unit
    }

    /// Reached by loads of several ops: see `mergedOps`.
    public var isMerged: Bool { !mergedOps.isEmpty }

    /// Where the site is in its file.
    public var place: Place { Place(section: sectionIndex, offset: offset) }

    /// The same site with another op (names borrowed across builds).
    public func with(op: Op) -> Site {
        Site(section: section, sectionIndex: sectionIndex, offset: offset, address: address, location: location,
             length: length, kind: kind, op: op, clobbers: clobbers, source: source, evidence: evidence,
             origin: origin, mergedOps: mergedOps, mergedOrigins: mergedOrigins, unit: unit)
    }

    enum CodingKeys: String, CodingKey {
        case section, offset, address, location, length, kind, op, type, clobbers, source, evidence, origin
        case mergedOps = "merged_ops"
        case mergedOrigins = "merged_origins"
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
        let opOffset = try c.decode(Int64.self, forKey: .opOffset)
        let opText = try c.decode(String.self, forKey: .op)
        op = Op(offset: opOffset, text: opText)
        clobbers = try c.decodeIfPresent(ClobberSet.self, forKey: .clobbers)
        source = try c.decode([SourceFrame].self, forKey: .source)
        evidence = try c.decode(String.self, forKey: .evidence)
        origin = try c.decodeIfPresent(Place.self, forKey: .origin)
        mergedOps = try c.decodeIfPresent([Op].self, forKey: .mergedOps) ?? []
        mergedOrigins = try c.decodeIfPresent([Place].self, forKey: .mergedOrigins) ?? []
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
        try c.encode(op.description, forKey: .op)
        try c.encode(op.offset, forKey: .opOffset)
        try c.encode(op.type, forKey: .type)
        try c.encode(clobbers, forKey: .clobbers)
        try c.encode(source, forKey: .source)
        try c.encode(evidence, forKey: .evidence)
        try c.encodeIfPresent(origin, forKey: .origin)
        if isMerged {
            try c.encode(mergedOps, forKey: .mergedOps)
            try c.encode(mergedOrigins, forKey: .mergedOrigins)
        }
    }
}
