import DebugInfo
import ELF
import SiteModel

/// What a reference names: the ops table, or a trampoline of the direct
/// form (`pv_tramp_<op>`, whose name gives the op).
public enum ReferenceTarget: String, Sendable, Hashable, Codable {
    case table
    case trampoline
}

/// One relocation against the ops table (or a trampoline) inside code, decoded.
public struct Reference: Sendable, Hashable, Codable {
    public let section: String
    public let sectionIndex: Int
    /// Offset of the instruction that holds the relocation (of the
    /// relocation itself when undecodable).
    public let offset: UInt64
    public let address: UInt64
    public let location: String
    public let use: ReferenceUse
    /// The field touched; nil when it cannot be known from the instruction
    /// alone (a GOT load gives the table's address; the use decides).
    public var op: Op?
    /// The instruction in AT&T syntax and its length (0 when undecodable).
    public let instruction: String
    public let length: Int
    public let relocationOffset: UInt64
    public let relocationType: String
    /// The register written by a load or an address computation.
    public let register: String?
    /// True when a linear sweep from the function start agrees with the
    /// anchored decode.
    public let confirmedBySweep: Bool
    /// GOT-relative relocation (`-fPIC`).
    public let viaGOT: Bool
    /// The table, or a trampoline.
    public let target: ReferenceTarget
    /// The inline chain at the instruction, innermost first (empty without
    /// DWARF or when source positions were not asked for).
    public var source: [SourceFrame] = []
    /// The compilation unit the instruction belongs to (see `Site.unit`).
    public var unit: String? = nil
    /// Undecodable references only: whether the naive guess, two bytes
    /// before the relocation, starts an instruction of the function's linear
    /// sweep (data in code: the guess may land on the jump over it). Not in
    /// the JSON.
    public var guessStartsInstruction: Bool? = nil

    /// Where the instruction is in its file.
    public var place: Place { Place(section: sectionIndex, offset: offset) }

    enum CodingKeys: String, CodingKey {
        case section, offset, address, location, use, op, instruction, length, register, source, target
        case opOffset = "op_offset"
        case relocationOffset = "relocation_offset"
        case relocationType = "relocation_type"
        case confirmedBySweep = "confirmed_by_sweep"
        case viaGOT = "via_got"
        case sectionIndex = "section_index"
    }

    public init(section: String, sectionIndex: Int, offset: UInt64, address: UInt64, location: String,
                use: ReferenceUse, op: Op?, instruction: String, length: Int, relocationOffset: UInt64,
                relocationType: String, register: String?, confirmedBySweep: Bool, viaGOT: Bool,
                target: ReferenceTarget = .table) {
        self.section = section
        self.sectionIndex = sectionIndex
        self.offset = offset
        self.address = address
        self.location = location
        self.use = use
        self.op = op
        self.instruction = instruction
        self.length = length
        self.relocationOffset = relocationOffset
        self.relocationType = relocationType
        self.register = register
        self.confirmedBySweep = confirmedBySweep
        self.viaGOT = viaGOT
        self.target = target
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        section = try c.decode(String.self, forKey: .section)
        sectionIndex = try c.decode(Int.self, forKey: .sectionIndex)
        offset = try c.decode(UInt64.self, forKey: .offset)
        address = try c.decode(UInt64.self, forKey: .address)
        location = try c.decode(String.self, forKey: .location)
        use = try c.decode(ReferenceUse.self, forKey: .use)
        if let name = try c.decodeIfPresent(String.self, forKey: .op) {
            op = Op(offset: try c.decode(Int64.self, forKey: .opOffset), name: name)
        } else {
            op = nil
        }
        instruction = try c.decode(String.self, forKey: .instruction)
        length = try c.decode(Int.self, forKey: .length)
        relocationOffset = try c.decode(UInt64.self, forKey: .relocationOffset)
        relocationType = try c.decode(String.self, forKey: .relocationType)
        register = try c.decodeIfPresent(String.self, forKey: .register)
        confirmedBySweep = try c.decode(Bool.self, forKey: .confirmedBySweep)
        viaGOT = try c.decode(Bool.self, forKey: .viaGOT)
        target = try c.decodeIfPresent(ReferenceTarget.self, forKey: .target) ?? .table
        source = try c.decodeIfPresent([SourceFrame].self, forKey: .source) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(section, forKey: .section)
        try c.encode(sectionIndex, forKey: .sectionIndex)
        try c.encode(offset, forKey: .offset)
        try c.encode(address, forKey: .address)
        try c.encode(location, forKey: .location)
        try c.encode(use, forKey: .use)
        try c.encode(op?.description, forKey: .op)
        try c.encode(op?.offset, forKey: .opOffset)
        try c.encode(instruction, forKey: .instruction)
        try c.encode(length, forKey: .length)
        try c.encode(relocationOffset, forKey: .relocationOffset)
        try c.encode(relocationType, forKey: .relocationType)
        try c.encode(register, forKey: .register)
        try c.encode(confirmedBySweep, forKey: .confirmedBySweep)
        try c.encode(viaGOT, forKey: .viaGOT)
        // Only a trampoline's says so: table references read as before.
        if target != .table { try c.encode(target, forKey: .target) }
        try c.encode(source, forKey: .source)
    }
}
