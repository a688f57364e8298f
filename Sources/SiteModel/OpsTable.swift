import DebugInfo
import ELF

/// The ops table of one file: which symbol it is, what its fields are
/// called, and which field a relocation or an address refers to. Both
/// strategies use it: MacroSites for the reference inside a recorded site,
/// RelocSites for every relocation in code.
///
/// A relocation refers to the table directly when it names a table symbol
/// (`pv_ops`, defined or undefined), indirectly when it names a section
/// symbol, or another symbol of the section that defines the table, and
/// symbol + addend lands inside the table (linked images, objects with a
/// local table). A slot is `(target - table start)`, as objtool's
/// `add_pv_ops()` computes it; PC-relative arithmetic is
/// `Relocation.referencedOffset`'s.
public struct OpsTable: Sendable {
    /// The table symbol (`paravirt_ops`, `pv_ops`).
    public let symbol: String
    /// Field offset → flattened member name, from the DWARF of the table
    /// variable (`OpNames.tableLayout`).
    public let members: OpNames
    /// The table's size in bytes, when known (DWARF or the symbol's size).
    public let size: Int64?
    /// Indices of symbols named like the table.
    public let direct: Set<Int>
    /// Where a defined table lives: its section, the offset of its start
    /// there, its address and its size (0 when unknown).
    public let home: (section: Int, start: Int64, address: UInt64, size: Int64)?
    /// For each symbol index in the table's section (but the table's): its offset.
    private let sameSection: [Int: Int64]
    /// `direct` and the keys of `sameSection`: the only symbols a
    /// relocation against the table can name. Relocation sections are read
    /// through this filter, so the others never become values.
    public let candidates: SymbolSet

    /// The candidate table symbols, in order of preference.
    public static let defaultSymbols = ["pv_ops", "paravirt_ops"]

    /// The table of `file`: the symbol given, or the first default one
    /// present; member names from DWARF when the file has it. Nil when the
    /// file has no such symbol.
    public init?(file: ObjectFile, symbol: String? = nil, debugInfo: DebugInfo?) {
        let names = symbol.map { [$0] } ?? Self.defaultSymbols
        guard let name = names.first(where: { !file.findSymbols(named: $0).isEmpty }) else { return nil }
        let syms = file.findSymbols(named: name)
        self.symbol = name
        // Sizes are the file's (symbol table, DWARF): clamp, never trap.
        var size: Int64? = syms[0].size > 0 ? Int64(clamping: syms[0].size) : nil
        let layout = OpNames.tableLayout(debugInfo, symbol: name)
        if let end = layout?.end { size = max(size ?? 0, end) }
        let members = layout?.names ?? [:]
        self.members = members
        self.size = size
        let direct = Set(syms.map(\.index))
        self.direct = direct
        var candidates = SymbolSet(direct, capacity: file.symbolCount)
        if let def = syms.first(where: \.isDefined), let si = def.definingSection, let start = file.sectionOffset(of: def) {
            let homeSize = def.size > 0 ? Int64(clamping: def.size) : max(size ?? 0, 0)
            home = (si, Int64(bitPattern: start), def.value, homeSize)
            var map: [Int: Int64] = [:]
            file.forEachSymbolEntry { s in
                guard s.definingSection == si, !direct.contains(s.index),
                      s.type == .section || s.type == .object || s.type == .notype,
                      let o = file.sectionOffset(of: s) else { return }
                map[s.index] = Int64(bitPattern: o)
                candidates.insert(s.index)
            }
            sameSection = map
        } else {
            home = nil
            sameSection = [:]
        }
        self.candidates = candidates
    }

    /// A table known by its names alone, in no file (tests, reports).
    public init(symbol: String, members: OpNames, size: Int64?) {
        self.symbol = symbol
        self.members = members
        self.size = size
        direct = []
        home = nil
        sameSection = [:]
        candidates = SymbolSet([], capacity: 0)
    }

    /// The op at field offset `offset`.
    public func op(offset: Int64) -> Op { Op(offset: offset, name: members[offset]) }

    /// The op of a record's type byte.
    public func op(type: Int64) -> Op { op(offset: type &* 8) }  // the type byte is the file's: never trap on it

    /// Whether field offset `offset` lies inside the table.
    public func contains(offset: Int64) -> Bool {
        guard offset >= 0 else { return false }
        guard let size else { return true }
        return offset < size
    }

    /// Quick test before any decoding: could this relocation be against the
    /// table? For a symbol other than the table's own, the place it names
    /// must be able to land inside the table whatever instruction holds it:
    /// a PC-relative field adds the distance from the relocation to the end
    /// of its instruction, which is between 1 and 15 bytes (`fieldOffset`
    /// rejects every other relocation after decoding, so nothing it would
    /// keep is skipped here).
    public func mayReference(_ r: Relocation) -> Bool {
        if direct.contains(r.symbolIndex) { return true }
        guard let home, let symStart = sameSection[r.symbolIndex] else { return false }
        if r.type.isGOTRelative { return false }
        let base = symStart &+ r.addend &- home.start
        let low = r.type.isPCRelative ? base &+ 1 : base
        let high = r.type.isPCRelative ? base &+ 15 : base
        if high < 0 { return false }
        return home.size == 0 || low < home.size
    }

    /// The field offset the instruction refers to, given how far past the
    /// relocation the instruction ends; nil when it is outside the table.
    /// For GOT relocations the instruction gets the table's address: 0.
    public func fieldOffset(_ r: Relocation, instructionEnd: UInt64) -> Int64? {
        guard let delta = r.referencedOffset(instructionEnd: instructionEnd) else {
            return direct.contains(r.symbolIndex) ? 0 : nil
        }
        if direct.contains(r.symbolIndex) { return delta }
        guard let home, let symStart = sameSection[r.symbolIndex] else { return nil }
        let field = symStart &+ delta &- home.start
        return field >= 0 && (home.size == 0 || field < home.size) ? field : nil
    }

    /// The field at virtual address `address` in a linked image (a
    /// RIP-relative or absolute memory operand resolved); nil outside.
    public func fieldOffset(address: UInt64) -> Int64? {
        guard let home else { return nil }
        let delta = Int64(bitPattern: address &- home.address)
        return contains(offset: delta) ? delta : nil
    }
}
