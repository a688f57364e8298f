// Strategy: direct, the call names its op (what static_call did in 2020).
//
// In the direct form every op call is a plain C call to a per-op trampoline,
// `call pv_tramp_irq_disable` (e8 rel32), whose only instruction is
// `jmp *paravirt_ops+0x128(%rip)`. A relocation (PLT32 or PC32) against a
// trampoline symbol whose instruction decodes as a 5-byte `call rel32` or
// `jmp rel32` to the trampoline's first byte is a site; its op is the field
// the trampoline's name gives (Trampolines, in SiteModel). The table
// references inside the trampolines are theirs, not sites.
//
// Why a target beside the table, and not a fourth Policy: a policy says how
// much of a table reference's use the scan follows (naive guesses, decoded
// reads the instruction, dataflow follows loads to calls), and that question
// applies unchanged to the direct build, which still reaches through the
// table in hand-written asm (kept in its plain form) and in C that reads,
// compares or stores fields. What changes is what a relocation may name. So
// every policy sees both targets: decoded and dataflow keep the direct calls
// at their decoded length, and naive takes every trampoline relocation, as
// literally as 2007 took the table's, for the rel32 of a 5-byte call. A
// separate policy would have had to repeat the three for the asm and data
// references, and would have put a column in every plain-form table that
// can only ever read zero there.
import ELF
import SiteModel
import X86

extension ReferenceDecoder {
    /// A relocation against a trampoline symbol: a direct site when its
    /// instruction decodes as `call rel32` (e8) or `jmp rel32` (e9), five
    /// bytes, branching to the trampoline's first byte; any other use
    /// (its address taken, a conditional jump) is classified as a table
    /// reference would be, and is no site. The op is the one the
    /// trampoline's name gives; nil (with a finding) when the table has no
    /// field of that name.
    mutating func trampolineReference(_ r: Relocation, in section: Section) -> Reference? {
        guard let trampolines else { return nil }
        let name = file.symbolName(index: r.symbolIndex)
        let op = trampolines.op(symbol: r.symbolIndex)
        let place = file.describe(section: section.index, offset: r.offset)
        if op == nil {
            findings.append(Finding(.trampolineNotAField, path: file.path, place: place,
                                    message: "\(name): no field of \(table.symbol) named \(trampolines.names[r.symbolIndex] ?? name), not a site"))
        }
        guard let anchored = code.instruction(at: r, in: section) else {
            findings.append(Finding(.referenceDoesNotDecode, path: file.path, place: place, message: "reference to \(name) (\(r.type)) does not decode"))
            return Reference(section: section.name, sectionIndex: section.index, offset: r.offset,
                             address: file.address(of: section, offset: r.offset), location: place,
                             use: .undecodable, op: op, instruction: "", length: 0, relocationOffset: r.offset,
                             relocationType: r.type.description, register: nil, confirmedBySweep: false,
                             viaGOT: r.type.isGOTRelative, target: .trampoline)
        }
        let insn = anchored.instruction
        let end = anchored.offset + UInt64(insn.length)
        let atStart = r.referencedOffset(instructionEnd: end) == 0
        let use: ReferenceUse
        if anchored.field == .immediate, atStart, insn.length == 5, insn.branchTarget != nil,
           (insn.bytes.first == 0xe8 && insn.operation == .call) || (insn.bytes.first == 0xe9 && insn.operation == .jump) {
            use = insn.operation == .call ? .callDirect : .jmpDirect
        } else {
            use = Classifier.use(of: insn, field: anchored.field, viaGOT: r.type.isGOTRelative)
        }
        return Reference(section: section.name, sectionIndex: section.index, offset: anchored.offset,
                         address: file.address(of: section, offset: anchored.offset),
                         location: file.describe(section: section.index, offset: anchored.offset),
                         use: use, op: op, instruction: insn.text, length: insn.length, relocationOffset: r.offset,
                         relocationType: r.type.description,
                         register: use == .load || use == .address ? insn.destinationRegister?.full : nil,
                         confirmedBySweep: anchored.confirmedBySweep, viaGOT: r.type.isGOTRelative, target: .trampoline)
    }
}
