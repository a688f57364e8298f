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
        if field == .displacement {
            switch insn.operation {
            case .call where insn.memoryOperand != nil: return .callMem
            case .jump where insn.memoryOperand != nil: return .jmpMem
            case .lea: return .address
            case .compare: return .compare
            default: break
            }
            // Any write to the table is a store (`mov`, `add`, `xchg`).
            if insn.writesMemory { return .store }
            return insn.operation == .load ? .load : .other
        }
        // Immediate: the table's (or a field's) absolute address is the
        // value; wherever it goes, the address escapes.
        switch insn.operation {
        case .compare: return .compare
        case .load, .store, .move, .lea, .push: return .address
        default: return .other
        }
    }
}
