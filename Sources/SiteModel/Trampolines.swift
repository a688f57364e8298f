import ELF

/// The direct form's trampolines in one file: functions named `prefix` +
/// an op's field name (`pv_tramp_irq_disable`), each one indirect jump
/// through that field (`jmp *paravirt_ops+0x128(%rip)`). Code calls them
/// directly (`call pv_tramp_irq_disable`, e8 rel32), as Linux's
/// static_call calls `__SCT__<name>`; the relocation scan takes every such
/// call as a site of the op the name says.
///
/// The op's field offset, its identity, comes from the name: looked up in
/// the field names given (the study passes the whole table's, from the
/// DWARF of a plain build; the file's own table DWARF otherwise). A
/// trampoline the names do not cover, but that is defined in the file (a
/// linked image), gets the field its own jump goes through
/// (`resolve(symbol:offset:)`, from the table reference in its body).
public struct Trampolines: Sendable {
    /// What configs.json's `trampolines.prefix` defaults to.
    public static let defaultPrefix = "pv_tramp_"

    public let prefix: String
    /// Symbol index → the op it jumps through; only trampolines whose field
    /// is known.
    public private(set) var ops: [Int: Op]
    /// Symbol index → the field name after the prefix, for every symbol so named.
    public let names: [Int: String]
    /// `names`' keys: the only symbols a relocation against a trampoline
    /// can name. Relocation sections are read through this filter.
    public let candidates: SymbolSet
    /// Defined trampolines: section → the byte ranges of their bodies (the
    /// table references there are the trampolines', not sites).
    public let bodies: [Int: [Range<UInt64>]]
    /// Defined trampolines by section and start offset → symbol index.
    private let starts: [Place: Int]

    /// The trampolines of `file`: symbols starting with `prefix` (defined
    /// or not), each the op `fields` has by its name (`OpNames.trampolineOffsets`).
    public init(file: ObjectFile, prefix: String = Trampolines.defaultPrefix, fields: OpNames) {
        self.prefix = prefix
        let byName = fields.trampolineOffsets
        var ops: [Int: Op] = [:], names: [Int: String] = [:]
        var bodies: [Int: [Range<UInt64>]] = [:]
        var starts: [Place: Int] = [:]
        let indices = prefix.isEmpty ? [] : file.findSymbolIndices(withPrefix: prefix)
        for i in indices {
            guard let s = file.findSymbol(index: i), s.type == .function || s.type == .notype else { continue }
            let name = String(s.name.dropFirst(prefix.count))
            guard !name.isEmpty else { continue }
            names[i] = name
            if let offset = byName[name] { ops[i] = Op(offset: offset, name: fields[offset]) }
            if let section = s.definingSection, let start = file.sectionOffset(of: s) {
                // Symbol sizes are the file's: clamp, never trap.
                let (end, overflow) = start.addingReportingOverflow(max(s.size, 1))
                bodies[section, default: []].append(start ..< (overflow ? .max : end))
                starts[Place(section: section, offset: start)] = i
            }
        }
        self.ops = ops
        self.names = names
        self.bodies = bodies
        self.starts = starts
        candidates = SymbolSet(names.keys, capacity: file.symbolCount)
    }

    public var isEmpty: Bool { names.isEmpty }

    /// Whether `offset` in `section` is inside a defined trampoline.
    public func containsBody(section: Int, offset: UInt64) -> Bool {
        bodies[section]?.contains { $0.contains(offset) } ?? false
    }

    /// A defined trampoline whose field the names did not give: the field
    /// its own `jmp *table+off(%rip)` at `place` goes through, named as the
    /// table names it, else after the symbol (OpNames' last source).
    public mutating func resolve(jumpAt place: Place, field: Int64, name: String?) {
        guard let body = bodies[place.section]?.first(where: { $0.contains(place.offset) }),
              let i = starts[Place(section: place.section, offset: body.lowerBound)], ops[i] == nil else { return }
        ops[i] = Op(offset: field, name: name ?? names[i])
    }

    /// The op of a relocation's symbol; nil when it is no trampoline or its
    /// field is unknown.
    public func op(symbol index: Int) -> Op? { ops[index] }
}
