import ELF
import RelocSites
import X86

/// Every place in a code section that control may reach other than by
/// falling through from the instruction before, as section offsets:
///
/// - the direct branch targets (`jmp`, `jcc`, `call` rel8/rel32) of a linear
///   sweep (LinearSweep) of every function of the section, so that a jump
///   from the function itself or from a neighbour in the same section
///   counts;
/// - the cases of every indirect `jmp` of those sweeps, read from its jump
///   table through relocations (`JumpTables`, as dataflow reads them);
/// - every relocation in an allocated section that points into the code:
///   a branch to another section (`jmp func+0x40` from `.text.unlikely`),
///   an address taken (`.quad .L5`), an exception-table or static-key
///   entry (`__ex_table`, `__jump_table`: `.long to - .`); absolute ones
///   at S + A, PC-relative ones in code at S + A + 4 (the rel32 ends the
///   instruction), in those two tables at S + A; other PC-relative data
///   is skipped (`controlTables` says why);
/// - the start of every symbol defined in the section.
///
/// A site is safe from jumps when none of these lies strictly inside it.
/// Relocations need an object or an image linked with `--emit-relocs`; a
/// stripped image has only the sweeps and the symbols.
public final class BranchTargets {
    let file: ObjectFile
    private let code: CodeReader
    private let decoder = X86Decoder()
    private let jumpTables: JumpTables
    /// Per section: sorted target offsets, built on first need.
    private var bySection: [Int: [UInt64]] = [:]
    /// Per section: (offset, where it comes from), for the message.
    private var origin: [Int: [UInt64: String]] = [:]
    private var fromRelocations: [Int: [UInt64: String]]?

    /// Linux's tables of 32-bit relative places that control is sent to:
    /// exception fixups (`__ex_table`: `insn`, `fixup`) and static keys'
    /// jump targets (`__jump_table`). Other relative data is not a target:
    /// a PIC jump table's entry is relative to the table (read by
    /// JumpTables), `.eh_frame` and `.orc_unwind_ip` name unwind places.
    static let controlTables: Set<String> = ["__ex_table", "__jump_table"]

    public init(file: ObjectFile) {
        self.file = file
        self.code = CodeReader(file: file)
        self.jumpTables = JumpTables(file: file)
    }

    /// A target strictly inside `(offset, offset + length)` of `section`,
    /// with where it comes from; nil when there is none. Throws when the
    /// file's relocations cannot be read.
    public func firstInside(section: Section, offset: UInt64, length: Int) throws -> (offset: UInt64, from: String)? {
        let list = try targets(section)
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] <= offset { lo = mid + 1 } else { hi = mid }
        }
        guard lo < list.count, list[lo] < offset + UInt64(length) else { return nil }
        return (list[lo], origin[section.index]?[list[lo]] ?? "")
    }

    private func targets(_ section: Section) throws -> [UInt64] {
        if let have = bySection[section.index] { return have }
        var found: [UInt64: String] = try fromRelocationsBySection()[section.index] ?? [:]
        let base = file.address(of: section, offset: 0)
        func add(address: UInt64, _ why: @autoclosure () -> String) {
            guard address >= base, address - base < section.size else { return }
            if found[address - base] == nil { found[address - base] = why() }
        }
        var starts: [UInt64] = []
        file.forEachSymbolEntry { sym in
            guard sym.definingSection == section.index, let off = file.sectionOffset(of: sym) else { return }
            if found[off] == nil { found[off] = "symbol \(file.symbolName(index: sym.index))" }
            if sym.isFunction { starts.append(off) }
        }
        if starts.isEmpty { starts = [0] }
        var swept = Set<UInt64>()
        for start in starts.sorted() where start < section.size {
            let (functionStart, functionEnd) = code.codeRange(section: section, offset: start)
            guard swept.insert(functionStart).inserted else { continue }
            let insns = file.withBytes(of: section) {
                LinearSweep.instructions(decoder, $0, range: Int(functionStart) ..< Int(functionEnd), base: base)
            }
            for (i, insn) in insns.enumerated() {
                if let t = insn.branchTarget {
                    add(address: t, "\(insn.text) at \(file.describe(section: section.index, offset: insn.address - base))")
                } else if insn.operation == .jump, insn.indirectRegister != nil || insn.memoryOperand != nil {
                    for t in try jumpTables.targets(insns, at: i, section: section) {
                        add(address: t, "jump table of \(file.describe(section: section.index, offset: insn.address - base))")
                    }
                }
            }
        }
        let sorted = found.keys.sorted()
        bySection[section.index] = sorted
        origin[section.index] = found
        return sorted
    }

    /// Targets in code from every relocation of an allocated section.
    private func fromRelocationsBySection() throws -> [Int: [UInt64: String]] {
        if let have = fromRelocations { return have }
        var out: [Int: [UInt64: String]] = [:]
        // Patched sections in the order of their relocation sections: the
        // first relocation to reach a place names it.
        var patched: [Int] = [], seen: Set<Int> = [0]
        for rs in file.relocationSections where seen.insert(rs.targetIndex).inserted { patched.append(rs.targetIndex) }
        for applied in patched.compactMap(file.findSection(index:)) where applied.isAllocated {
            for r in try file.relocations(patching: applied).entries {
                guard let sym = file.findSymbolEntry(index: r.symbolIndex), let si = sym.definingSection,
                      let target = file.findSection(index: si), target.isExecutable,
                      let symOffset = file.sectionOffset(of: sym) else { continue }
                let value: Int64
                if r.type.isPCRelative {
                    guard r.type.width == 4 else { continue }
                    if applied.isExecutable {
                        value = Int64(bitPattern: symOffset) &+ r.addend &+ 4
                    } else if Self.controlTables.contains(applied.name) {
                        // `.long to - .`: the place is S + A.
                        value = Int64(bitPattern: symOffset) &+ r.addend
                    } else {
                        continue
                    }
                } else if r.type == .r64 || r.type == .r32 || r.type == .r32s {
                    value = Int64(bitPattern: symOffset) &+ r.addend
                } else {
                    continue
                }
                guard value >= 0, UInt64(value) < target.size else { continue }
                if out[si]?[UInt64(value)] == nil {
                    out[si, default: [:]][UInt64(value)] = "\(r.type) at \(file.describe(section: applied.index, offset: r.offset))"
                }
            }
        }
        fromRelocations = out
        return out
    }
}
