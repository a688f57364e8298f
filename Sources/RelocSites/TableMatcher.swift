import ELF
import SiteModel

/// Decides whether a relocation refers to the ops table, and where in it.
///
/// Directly: the relocation names a table symbol (`pv_ops`, defined or
/// undefined). Indirectly: it names a section symbol, or another symbol of
/// the section that defines the table, and symbol + addend lands inside the
/// table (linked images and objects with a local table).
struct TableMatcher: Sendable {
    let table: OpTable
    /// Indices of symbols named like the table.
    let direct: Set<Int>
    /// Where a defined table lives: its section and the offset of its start.
    let home: (section: Int, start: Int64, size: Int64)?
    /// For each symbol index that is in the table's section: its offset.
    private let sameSection: [Int: Int64]
    /// `direct` and the keys of `sameSection`: the only symbols a
    /// relocation against the table can name. Relocation sections are read
    /// through this filter, so the others never become values.
    let candidates: SymbolSet

    init?(file: ObjectFile, table: OpTable) {
        let syms = file.findSymbols(named: table.symbol)
        guard !syms.isEmpty else { return nil }
        self.table = table
        let direct = Set(syms.map(\.index))
        self.direct = direct
        var candidates = SymbolSet(direct, capacity: file.symbolCount)
        if let def = syms.first(where: \.isDefined), let si = def.definingSection,
           let start = file.sectionOffset(of: def) {
            // st_size is the file's: clamp, never trap.
            let size = def.size > 0 ? Int64(clamping: def.size) : max(table.size ?? 0, 0)
            home = (si, Int64(bitPattern: start), size)
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

    /// Quick test before any decoding: could this relocation be against the
    /// table? For a symbol other than the table's own, the place it names
    /// must be able to land inside the table whatever instruction holds it:
    /// a PC-relative field adds the distance from the relocation to the end
    /// of its instruction, which is between 1 and 15 bytes (`fieldOffset`
    /// rejects every other relocation after decoding, so nothing it would
    /// keep is skipped here).
    func mayReference(_ r: Relocation) -> Bool {
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
    func fieldOffset(_ r: Relocation, instructionEnd: UInt64) -> Int64? {
        guard let delta = r.referencedOffset(instructionEnd: instructionEnd) else {
            return direct.contains(r.symbolIndex) ? 0 : nil
        }
        if direct.contains(r.symbolIndex) { return delta }
        guard let home, let symStart = sameSection[r.symbolIndex] else { return nil }
        let field = symStart &+ delta &- home.start
        return field >= 0 && (home.size == 0 || field < home.size) ? field : nil
    }
}
