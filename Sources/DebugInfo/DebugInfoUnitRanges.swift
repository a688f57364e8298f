import ELF
import CElf

/// Finding the compilation unit of an address without `.debug_aranges`.
///
/// libdwfl looks units up through `.debug_aranges`, which gcc emits and
/// clang does not (unless `-gdwarf-aranges`): with libdw 0.188 every
/// lookup in a clang object then fails (`eu-addr2line` prints `??:0`).
/// When it does, walk the units once and ask each whether it covers the
/// address (`dwarf_haspc` reads DW_AT_low_pc/high_pc and DW_AT_ranges).
extension DebugInfoSession {
    /// The unit DIE covering module address `addr` (before bias), and the bias.
    func unitByRanges(_ addr: Dwarf_Addr) -> (Dwarf_Die, Dwarf_Addr)? {
        var bias: Dwarf_Addr = 0
        guard let dw = dwfl_module_getdwarf(module, &bias) else { return nil }
        if unitOffsets == nil {
            var offsets: [Dwarf_Off] = []
            var offset: Dwarf_Off = 0, next: Dwarf_Off = 0
            var headerSize: Int = 0
            while dwarf_nextcu(dw, offset, &next, &headerSize, nil, nil, nil) == 0 {
                offsets.append(offset + Dwarf_Off(headerSize))
                offset = next
            }
            unitOffsets = offsets
        }
        for dieOffset in unitOffsets ?? [] {
            var cu = Dwarf_Die()
            guard dwarf_offdie(dw, dieOffset, &cu) != nil else { continue }
            if dwarf_haspc(&cu, addr &- bias) > 0 { return (cu, bias) }
        }
        return nil
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
