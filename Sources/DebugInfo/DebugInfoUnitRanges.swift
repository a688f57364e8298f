import ELF
import CElf

/// Finding the compilation unit of an address when `.debug_aranges` does
/// not say, or says wrongly.
///
/// libdwfl looks units up through `.debug_aranges`, which gcc emits and
/// clang does not (unless `-gdwarf-aranges`): with libdw 0.188 every
/// lookup in a clang object then fails (`eu-addr2line` prints `??:0`).
/// Worse, in an image that links clang's C with assembler units (whose
/// `.debug_aranges` the assembler does write, as in a clang vmlinux),
/// libdwfl's binary search (cu.c, addrarange) returns the last arange that
/// starts at or below the address without checking its end: every C
/// address after the first asm range is given that asm unit, so inline
/// chains shrink to the symbol name. So libdwfl's answer is kept only when
/// the unit really covers the address; otherwise the unit comes from an
/// index of every unit's DW_AT_low_pc/high_pc and DW_AT_ranges, built once.
extension DebugInfoSession {
    /// One address range of one unit.
    struct UnitRange {
        let low: UInt64
        let high: UInt64
        let dieOffset: Dwarf_Off
    }

    /// Every unit's ranges, sorted by `low`, with the running maximum of
    /// `high` (ranges may overlap: a lookup walks back while it can).
    struct UnitRangeIndex {
        let ranges: [UnitRange]
        let maxHigh: [UInt64]

        init(_ unsorted: [UnitRange]) {
            ranges = unsorted.sorted { ($0.low, $0.dieOffset) < ($1.low, $1.dieOffset) }
            var running: UInt64 = 0
            maxHigh = ranges.map { running = max(running, $0.high); return running }
        }

        /// The unit of the first (lowest-starting) range holding `addr`.
        func unit(containing addr: UInt64) -> Dwarf_Off? {
            var lo = 0, hi = ranges.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if ranges[mid].low <= addr { lo = mid + 1 } else { hi = mid }
            }
            var best: Dwarf_Off?
            var i = lo - 1
            while i >= 0, maxHigh[i] > addr {
                if addr < ranges[i].high { best = ranges[i].dieOffset }
                i -= 1
            }
            return best
        }
    }

    /// Whether `cu` covers module address `addr` (before bias).
    func covers(_ cu: Dwarf_Die, _ addr: Dwarf_Addr) -> Bool {
        var die = cu
        return dwarf_haspc(&die, addr) > 0
    }

    /// The unit DIE covering module address `addr` (before bias), and the bias.
    func unitByRanges(_ addr: Dwarf_Addr) -> (Dwarf_Die, Dwarf_Addr)? {
        var bias: Dwarf_Addr = 0
        guard let dw = dwfl_module_getdwarf(module, &bias) else { return nil }
        if unitRanges == nil {
            var all: [UnitRange] = []
            var offset: Dwarf_Off = 0, next: Dwarf_Off = 0
            var headerSize: Int = 0
            while dwarf_nextcu(dw, offset, &next, &headerSize, nil, nil, nil) == 0 {
                let dieOffset = offset + Dwarf_Off(headerSize)
                offset = next
                var cu = Dwarf_Die()
                guard dwarf_offdie(dw, dieOffset, &cu) != nil else { continue }
                for r in DIE.ranges(&cu) { all.append(UnitRange(low: r.low, high: r.high, dieOffset: dieOffset)) }
            }
            unitRanges = UnitRangeIndex(all)
        }
        guard let dieOffset = unitRanges?.unit(containing: addr &- bias) else { return nil }
        var cu = Dwarf_Die()
        guard dwarf_offdie(dw, dieOffset, &cu) != nil else { return nil }
        return (cu, bias)
    }

    /// The line-table row for `addr` found through `unitByRanges`.
    func lineByRanges(_ addr: Dwarf_Addr) -> (file: String, line: Int, column: Int, rowAddress: Dwarf_Addr, compDir: String?)? {
        guard let (unit, bias) = unitByRanges(addr) else { return nil }
        var cu = unit
        guard let line = dwarf_getsrc_die(&cu, addr &- bias) else { return nil }
        var rowAddress: Dwarf_Addr = 0
        var lineno: Int32 = 0, column: Int32 = 0
        guard dwarf_lineaddr(line, &rowAddress) == 0, dwarf_lineno(line, &lineno) == 0,
              let src = dwarf_linesrc(line, nil, nil) else { return nil }
        _ = dwarf_linecol(line, &column)
        return (String(cString: src), Int(lineno), Int(column), rowAddress &+ bias, DIE.string(&cu, DW_AT_comp_dir))
    }
}
