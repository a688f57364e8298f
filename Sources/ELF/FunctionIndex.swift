/// Answers "which function contains this place?" by binary search over the
/// function symbols of each section, sorted by start. Built from the raw
/// symbol table: no names are read except to skip unnamed entries.
struct FunctionIndex: Sendable {
    private struct Entry: Sendable {
        let start: UInt64
        let size: UInt64
        let symbol: Int
        let isFunction: Bool
    }

    private var bySection: [Int: [Entry]] = [:]

    init(sections: [Section], symbols: SymbolTableView, isRelocatable: Bool) {
        for i in 0 ..< symbols.count {
            let info = symbols.info(i)
            let type = info & 0xf, binding = info >> 4
            // Functions, and untyped labels (hand-written asm often omits .type).
            let size = symbols.size(i)
            guard type == 2 || (type == 0 && (binding != 0 || size > 0)) else { continue }
            let si = symbols.sectionIndex(i)
            guard si != 0, si < 0xff00, si < sections.count, sections[si].isExecutable,
                  !symbols.hasEmptyName(i) else { continue }
            let value = symbols.value(i)
            let start = isRelocatable ? value : value &- sections[si].address
            bySection[si, default: []].append(Entry(start: start, size: size, symbol: i, isFunction: type == 2))
        }
        for key in bySection.keys {
            // Functions before labels at the same start; then larger first.
            bySection[key]!.sort {
                if $0.start != $1.start { return $0.start < $1.start }
                if $0.isFunction != $1.isFunction { return $0.isFunction }
                return $0.size > $1.size
            }
        }
    }

    /// The symbol index of the function containing `offset`, and the
    /// distance into it.
    func find(section: Int, offset: UInt64) -> (symbol: Int, offset: UInt64)? {
        guard let entries = bySection[section], !entries.isEmpty else { return nil }
        // Last entry with start <= offset.
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].start <= offset { lo = mid + 1 } else { hi = mid }
        }
        let nearest = lo - 1
        guard nearest >= 0 else { return nil }
        // A sized symbol must cover `offset`; an unsized label counts only
        // when it is the nearest one before `offset`. Walk back a little for
        // an enclosing function behind nested sized symbols.
        var i = nearest
        while i >= 0 && nearest - i < 16 {
            let e = entries[i]
            let covers = e.size > 0 ? offset - e.start < e.size : e.start == entries[nearest].start
            if covers {
                // Prefer a sized function starting at the same place.
                var j = i
                while j > 0, entries[j - 1].start == e.start { j -= 1 }
                let best = entries[j...i].first { $0.size > 0 && offset - $0.start < $0.size } ?? e
                return (best.symbol, offset - best.start)
            }
            i -= 1
        }
        return nil
    }

    /// The code around `offset` that no symbol covers (an overridden weak
    /// function's body stays in vmlinux without a symbol): from the end of
    /// the last sized symbol before it to the start of the next symbol
    /// (nil when there is none). A linear sweep from the previous
    /// function's end stays in step, as objdump's does: the padding between
    /// functions is whole nops and int3s.
    func gap(section: Int, offset: UInt64) -> (start: UInt64, next: UInt64?)? {
        guard let entries = bySection[section], !entries.isEmpty else { return nil }
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].start <= offset { lo = mid + 1 } else { hi = mid }
        }
        let next = lo < entries.count ? entries[lo].start : nil
        var start: UInt64? = nil
        // The furthest end among the sized symbols a little before.
        var i = lo - 1
        while i >= 0 && lo - 1 - i < 16 {
            let e = entries[i]
            if e.size > 0 {
                let end = e.start &+ e.size
                if end > offset { return nil }
                start = max(start ?? 0, end)
            }
            i -= 1
        }
        guard let start else { return nil }
        return (start, next)
    }
}
