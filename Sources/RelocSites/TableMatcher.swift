import ObjectFile
import SiteModel

/// Decides whether a relocation refers to the ops table, and where in it.
///
/// Directly: the relocation names a table symbol (`pv_ops`, defined or
/// undefined). Indirectly: it names a section symbol, or another symbol of
/// the section that defines the table, and symbol + addend lands inside the
/// table (linked images and objects with a local table).
struct TableMatcher {
    let table: OpTable
    /// Indices of symbols named like the table.
    let direct: Set<Int>
    /// Where a defined table lives: its section and the offset of its start.
    let home: (section: Int, start: Int64, size: Int64)?
    /// For each symbol index that is in the table's section: its offset.
    private let sameSection: [Int: Int64]

    init?(file: ObjectFile, table: OpTable) {
        let syms = file.findSymbols(named: table.symbol)
        guard !syms.isEmpty else { return nil }
        self.table = table
        direct = Set(syms.map(\.index))
        if let def = syms.first(where: \.isDefined), let si = def.definingSection,
           let start = file.sectionOffset(of: def) {
            let size = Int64(def.size > 0 ? def.size : UInt64(max(table.size ?? 0, 0)))
            home = (si, Int64(bitPattern: start), size)
            var map: [Int: Int64] = [:]
            for s in file.symbols where s.definingSection == si && !direct.contains(s.index)
                && (s.type == .section || s.type == .object || s.type == .notype) {
                if let o = file.sectionOffset(of: s) { map[s.index] = Int64(bitPattern: o) }
            }
            sameSection = map
        } else {
            home = nil
            sameSection = [:]
        }
    }

    /// Quick test before any decoding: could this relocation be against the table?
    func mayReference(_ r: Relocation) -> Bool {
        direct.contains(r.symbolIndex) || sameSection[r.symbolIndex] != nil
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
