/// Answers "which function contains this place?" by binary search over the
/// function symbols of each section, sorted by start.
struct FunctionIndex: Sendable {
    private struct Entry: Sendable {
        let start: UInt64
        let size: UInt64
        let symbol: Int
    }

    private var bySection: [Int: [Entry]] = [:]

    init(sections: [Section], symbols: [Symbol], isRelocatable: Bool) {
        for sym in symbols {
            guard let si = sym.definingSection, si < sections.count, sections[si].isExecutable,
                  !sym.name.isEmpty else { continue }
            // Functions, and untyped labels (hand-written asm often omits .type).
            guard sym.type == .function || (sym.type == .notype && sym.binding != .local)
                    || (sym.type == .notype && sym.size > 0) else { continue }
            let start = isRelocatable ? sym.value : sym.value &- sections[si].address
            bySection[si, default: []].append(Entry(start: start, size: sym.size, symbol: sym.index))
        }
        for key in bySection.keys {
            // Functions before labels at the same start; then larger first.
            bySection[key]!.sort {
                if $0.start != $1.start { return $0.start < $1.start }
                let f0 = symbols[$0.symbol].isFunction, f1 = symbols[$1.symbol].isFunction
                if f0 != f1 { return f0 }
                return $0.size > $1.size
            }
        }
    }

    func find(section: Int, offset: UInt64, symbols: [Symbol]) -> (symbol: Symbol, offset: UInt64)? {
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
                return (symbols[best.symbol], offset - best.start)
            }
            i -= 1
        }
        return nil
    }
}
