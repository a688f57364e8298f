import X86
import ELF

/// What an instruction does with the memory or immediate that the
/// relocation fills in.
enum Classifier {
    static func use(of insn: Instruction, field: RelocatedField, viaGOT: Bool) -> ReferenceUse {
        if viaGOT {
            // `mov sym@GOTPCREL(%rip), %reg` loads the table's address;
            // `call *sym@GOTPCREL(%rip)` would call the table itself.
            return insn.destinationRegister != nil ? .address : .other
        }
        let m = insn.mnemonic
        if field == .displacement {
            switch insn.operation {
            case .call where insn.memoryOperand != nil: return .callMem
            case .jump where insn.memoryOperand != nil: return .jmpMem
            default: break
            }
            if m.hasPrefix("lea") { return .address }
            if m.hasPrefix("cmp") || m.hasPrefix("test") { return .compare }
            let memWritten = insn.operands.contains { op in
                if case .memory = op.kind { return op.access.contains(.write) }
                return false
            }
            if memWritten { return .store }
            if m.hasPrefix("mov"), insn.destinationRegister != nil { return .load }
            return .other
        }
        // Immediate: the table's (or a field's) absolute address is the
        // value; wherever it goes, the address escapes.
        if m.hasPrefix("cmp") || m.hasPrefix("test") { return .compare }
        if m.hasPrefix("mov") || m.hasPrefix("lea") || m.hasPrefix("push") { return .address }
        return .other
    }
}
