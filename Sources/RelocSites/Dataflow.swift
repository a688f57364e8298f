import X86
import ELF
import SiteModel

/// Follows a table field (or the table's address) from the instruction that
/// put it in a register to the calls that use it, within one function.
///
/// The walk is forward over the function's instructions: straight-line
/// code, both ways of a conditional branch, direct jumps inside the
/// function; a register stops being tracked when something overwrites it.
/// Calls that are not sites clobber the C ABI's caller-saved registers,
/// so a pointer hoisted into %rbx before a loop is still followed into the
/// loop body. Each instruction is visited once per start.
struct Dataflow {
    /// What a tracked register holds.
    enum Value: Equatable {
        /// The op pointer of field `offset`.
        case field(Int64)
        /// The table's address plus `offset`.
        case table(Int64)
    }

    struct Found {
        let instruction: Instruction
        let kind: SiteKind
        let field: Int64
    }

    static let stepLimit = 4096

    /// `thunkRegister(insn)` names the register of a retpoline thunk call
    /// (`__x86_indirect_thunk_rax` → `%rax`), nil for other instructions.
    /// Registers are tracked widened to 64 bits (`%eax` is `%rax`).
    ///
    /// `switchTargets(i)` gives the cases of the jump table that the
    /// indirect jump `instructions[i]` dispatches through (empty when it is
    /// not a switch): the walk goes on into each.
    ///
    /// Where a direct jump goes, beyond its target: see `branch`.
    enum Branch {
        /// To its target, when that is in the function.
        case target
        /// Out of the function, whatever its bytes say: an object's jump
        /// whose displacement is a relocation (`jmp __x86_return_thunk`,
        /// a tail call, a conditional tail call), whose unrelocated bytes
        /// point at the next instruction.
        case leaves
        /// On to the next instruction: a jump into `.altinstr_aux`,
        /// static_cpu_has's test, which the kernel patches to fall through.
        case fallsThrough
    }

    /// `branch(insn)` says where a direct jump goes (`Branch`).
    static func follow(instructions: [Instruction], from start: Int, register: Register, value: Value,
                       thunkRegister: (Instruction) throws -> Register?,
                       switchTargets: (Int) throws -> [UInt64] = { _ in [] },
                       branch: (Instruction) throws -> Branch = { _ in .target }) rethrows -> [Found] {
        guard start < instructions.count else { return [] }
        var index: [UInt64: Int] = [:]
        for (i, insn) in instructions.enumerated() { index[insn.address] = i }
        var found: [Found] = []
        var seen = Set<Int>()
        var work: [(Int, [Register: Value])] = [(start + 1, [register.widened: value])]
        var steps = 0
        while let (first, initial) = work.popLast() {
            var i = first
            var state = initial
            while i < instructions.count, !state.isEmpty, steps < stepLimit, seen.insert(i).inserted {
                steps += 1
                let insn = instructions[i]
                let site = try use(insn, state: state, thunkRegister: thunkRegister)
                if let site { found.append(site) }
                switch insn.operation {
                case .ret, .trap:
                    state = [:]
                case .jump:
                    let how = insn.branchTarget == nil ? Branch.target : try branch(insn)
                    if how == .fallsThrough {
                        work.append((i + 1, state))
                    } else if let t = insn.branchTarget, let j = index[t], how == .target {
                        work.append((j, state))
                    } else if try site == nil && (insn.branchTarget == nil || thunkRegister(insn) != nil) {
                        // A switch's dispatch (`jmp *%rax`, or its retpoline
                        // thunk): on into every case.
                        for t in try switchTargets(i) { if let j = index[t] { work.append((j, state)) } }
                    }
                    state = [:]
                case .conditionalJump:
                    if let t = insn.branchTarget, let j = index[t], try branch(insn) == .target { work.append((j, state)) }
                case .call:
                    for r in Register.callerSaved { state[r] = nil }
                default:
                    state = transfer(insn, state: state)
                }
                i += 1
            }
        }
        return found.sorted { $0.instruction.address < $1.instruction.address }
    }

    /// A call or jump that uses a tracked register.
    private static func use(_ insn: Instruction, state: [Register: Value],
                            thunkRegister: (Instruction) throws -> Register?) rethrows -> Found? {
        guard insn.operation == .call || insn.operation == .jump else { return nil }
        let isCall = insn.operation == .call
        if let r = insn.indirectRegister, case .field(let f)? = state[r.widened] {
            return Found(instruction: insn, kind: isCall ? .callReg : .jmpReg, field: f)
        }
        if let m = insn.memoryOperand, m.index == nil, let b = m.base, case .table(let t)? = state[b.widened] {
            return Found(instruction: insn, kind: isCall ? .callBase : .jmpBase, field: t &+ m.displacement)
        }
        if let reg = try thunkRegister(insn), case .field(let f)? = state[reg.widened] {
            return Found(instruction: insn, kind: isCall ? .thunkCall : .thunkJmp, field: f)
        }
        return nil
    }

    /// The state after an ordinary instruction: copies propagate, loads
    /// through a tracked table address become fields, other writes kill.
    private static func transfer(_ insn: Instruction, state: [Register: Value]) -> [Register: Value] {
        var next = state
        let operation = insn.operation
        if operation == .load || operation == .move, insn.operands.count == 2, let dst = insn.destinationRegister {
            switch insn.operands[0].kind {
            case .register(let src):
                next[dst.widened] = state[src.widened]
                return next
            case .memory(let mem):
                if mem.index == nil, let b = mem.base, case .table(let t)? = state[b.widened] {
                    next[dst.widened] = .field(t &+ mem.displacement)
                    return next
                }
            default: break
            }
        }
        if operation == .lea, insn.operands.count == 2, let dst = insn.destinationRegister,
           case .memory(let mem) = insn.operands[0].kind, mem.index == nil, let b = mem.base,
           case .table(let t)? = state[b.widened] {
            next[dst.widened] = .table(t &+ mem.displacement)
            return next
        }
        if operation == .add, insn.operands.count == 2, let dst = insn.destinationRegister,
           case .immediate(let v) = insn.operands[0].kind, case .table(let t)? = state[dst.widened] {
            next[dst.widened] = .table(t &+ v)
            return next
        }
        for r in insn.registersWritten { next[r] = nil }
        return next
    }
}
