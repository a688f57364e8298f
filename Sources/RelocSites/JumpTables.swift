import ELF
import X86

/// The targets of a switch's jump table, read through relocations, so that
/// dataflow can follow a register through `jmp *%rax` (a dispatch, not a
/// site) into the cases, as gcc lays them out:
///
/// - `-fPIC`: `lea .L4(%rip),%rdx; movslq (%rdx,%rax,4),%rax; add
///   %rdx,%rax; jmp *%rax`, entries `.long .Lcase-.L4` (R_X86_64_PC32
///   against the code section in `.rodata`): case = S + A - (entry - base);
/// - kernel and small code models: `jmp *.L4(,%rax,8)`, entries
///   `.quad .Lcase` (R_X86_64_64, or 32/32S): case = S + A.
///
/// The base is the data the dispatch, or one of the few instructions
/// before it, refers to by relocation; entries are read from the base
/// while each is a relocation of the same shape against the code section.
/// Without relocations in the data (a stripped image) there is no table
/// and the walk stops at the dispatch, as before.
public struct JumpTables {
    let file: ObjectFile

    /// How far before the dispatch the base's instruction may be.
    static let lookBack = 8
    static let maxEntries = 1024

    public init(file: ObjectFile) { self.file = file }

    /// Case addresses of the dispatch `instructions[at]` in `section`.
    /// Throws when the relocations of `section` or the table's cannot be read.
    public func targets(_ instructions: [Instruction], at: Int, section: Section) throws -> [UInt64] {
        let base = file.address(of: section, offset: 0)
        let code = try file.relocations(patching: section)
        for i in stride(from: at, through: max(0, at - Self.lookBack), by: -1) {
            let insn = instructions[i]
            let start = insn.address - base
            for r in code.all(in: start ..< start + UInt64(insn.length)) {
                guard let sym = file.findSymbolEntry(index: r.symbolIndex),
                      let data = file.findSection(index: sym.sectionIndex), !data.isExecutable, data.isAllocated,
                      let symOffset = file.sectionOffset(of: sym),
                      let delta = r.referencedOffset(instructionEnd: insn.end - base)
                else { continue }
                let table = Int64(symOffset) + delta
                guard table >= 0 else { continue }
                let cases = try entries(data: data, base: UInt64(table), code: section)
                if !cases.isEmpty { return cases }
            }
        }
        return []
    }

    private func entries(data: Section, base: UInt64, code: Section) throws -> [UInt64] {
        let table = try file.relocations(patching: data)
        guard let first = table.find(at: base) else { return [] }
        let relative = first.type.isPCRelative
        let width = UInt64(first.type.width)
        guard width == 4 || width == 8 else { return [] }
        var out: [UInt64] = []
        var at = base
        while out.count < Self.maxEntries, let r = table.find(at: at), r.type == first.type,
              let sym = file.findSymbolEntry(index: r.symbolIndex), sym.sectionIndex == code.index,
              let symOffset = file.sectionOffset(of: sym) {
            let target = Int64(symOffset) + r.addend - (relative ? Int64(at - base) : 0)
            guard target >= 0, UInt64(target) < code.size else { break }
            out.append(file.address(of: code, offset: UInt64(target)))
            at += width
        }
        return out
    }
}
