import ELF

/// One decoded x86-64 instruction, as a value: what the layers above the
/// decoder see (the counterpart of objtool's `struct instruction`).
public struct Instruction: Sendable, Equatable, CustomStringConvertible {
    /// The address the decoder was told: a section offset in relocatable
    /// objects, a virtual address in linked images.
    public let address: UInt64
    public let bytes: [UInt8]
    /// AT&T mnemonic as capstone prints it (`callq`, `movq`, `jmpq`): for
    /// display (`text`) only; what the instruction does is `operation`.
    let mnemonic: String
    /// AT&T operand text (`*0x10(%rip)`).
    public let operandText: String
    public let operation: Operation
    /// Operands in capstone's AT&T order (sources first); `access` tells
    /// which are read and which written.
    public let operands: [Operand]
    /// The legacy prefixes present (0x3e is `notrack` on an indirect branch).
    public let prefixes: [UInt8]
    public let registersRead: Set<Register>
    public let registersWritten: Set<Register>

    public var length: Int { bytes.count }
    public var end: UInt64 { address + UInt64(bytes.count) }

    /// What the instruction does, in the terms the analyses above the
    /// decoder use (objtool's `insn->type`). The decoder derives it from
    /// capstone's instruction id and groups, never from the mnemonic.
    public enum Operation: Sendable, Equatable {
        case call, jump, conditionalJump, ret
        /// `ud2`, `int3`, `hlt`: control does not go on past it.
        case trap
        /// `int $n`, `syscall` and the like.
        case interrupt
        case endbr, nop
        /// A move into a register that reads memory: `mov`, `movzx`,
        /// `movsx`, `movabs`, `movbe` and the SSE moves (`movq mem, %xmm0`).
        case load
        /// A move that writes memory (`mov %rax, mem`, `movq $0, mem`, `movsq`).
        /// Other instructions that write memory keep their own operation;
        /// `Instruction.writesMemory` tells.
        case store
        case lea
        /// Any other move: into a register from a register or an immediate
        /// (`mov %rsi, %rax`, `mov $1, %eax`, `mov %ds, %ax`, `mov %cr3, %rax`).
        case move
        /// `add` and its SSE forms (`addps`, `addsd`, ...).
        case add
        /// `cmp`, `test` and the compare family: `cmps`, the SSE compares,
        /// `cmpxchg` without `lock`.
        case compare
        /// `push`, `pushf`.
        case push
        /// Everything else: arithmetic other than add, `cmov` (a conditional
        /// move is not a move here), `xchg`, and any instruction with a
        /// `lock` or `rep` prefix (`lock cmpxchg`, `rep movsq`).
        case other

        /// One of the moves: `load`, `store` or `move`.
        public var isMove: Bool { self == .load || self == .store || self == .move }
    }

    public var isCall: Bool { operation == .call }
    public var isUnconditionalJump: Bool { operation == .jump }
    /// Control never falls through to the next instruction.
    public var endsBlock: Bool { operation == .jump || operation == .ret || operation == .trap }
    /// `notrack call/jmp`: an indirect branch exempt from IBT.
    public var isNotrack: Bool { prefixes.contains(0x3e) && (operation == .call || operation == .jump) }

    /// The single memory operand, if any.
    public var memoryOperand: MemoryOperand? {
        for op in operands { if case .memory(let m) = op.kind { return m } }
        return nil
    }

    /// The target of a direct (relative) branch.
    public var branchTarget: UInt64? {
        guard operation == .call || operation == .jump || operation == .conditionalJump,
              operands.count == 1, case .immediate(let v) = operands[0].kind else { return nil }
        return UInt64(bitPattern: v)
    }

    /// `callq *%rax` / `jmpq *%r11`: the register branched through.
    public var indirectRegister: Register? {
        guard operation == .call || operation == .jump, operands.count == 1,
              case .register(let r) = operands[0].kind else { return nil }
        return r
    }

    /// An explicit memory operand is written (`mov %rax, mem`, `addq $1, mem`);
    /// pushes and calls write the stack implicitly and do not count.
    public var writesMemory: Bool {
        operands.contains { op in
            if case .memory = op.kind { return op.access.contains(.write) }
            return false
        }
    }

    /// The written register operand (`mov mem, %reg` writes `%reg`).
    public var destinationRegister: Register? {
        for op in operands.reversed() where op.access.contains(.write) {
            if case .register(let r) = op.kind { return r }
        }
        return nil
    }

    /// `callq *0x10(%rip)` in objdump-like text.
    public var text: String { operandText.isEmpty ? mnemonic : "\(mnemonic) \(operandText)" }

    public var description: String {
        let hexBytes = bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined(separator: " ")
        return "\(hex(address)): \(hexBytes)  \(text)"
    }
}

public struct Operand: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case register(Register)
        case immediate(Int64)
        case memory(MemoryOperand)
    }

    public struct Access: OptionSet, Sendable, Equatable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        public static let read = Access(rawValue: 1)
        public static let write = Access(rawValue: 2)
    }

    public let kind: Kind
    /// Size of the operand in bytes.
    public let size: Int
    public let access: Access
}

public struct MemoryOperand: Sendable, Equatable {
    public let segment: Register?
    public let base: Register?
    public let index: Register?
    public let scale: Int
    public let displacement: Int64

    public var isRIPRelative: Bool { base?.name == "rip" }
    /// No base and no index: `*0x10` (the pre-5.18 absolute form).
    public var isAbsolute: Bool { base == nil && index == nil }
}

/// An x86-64 register by name. `full` is the 64-bit register it is part of
/// (`eax` → `rax`, `r11d` → `r11`), which is what data flow tracks.
public struct Register: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let full: String

    public init(name: String) {
        self.name = name
        self.full = Register.fullName(name)
    }

    public var description: String { "%" + name }

    /// The 64-bit register this one is part of (`%eax` → `%rax`): what data
    /// flow tracks.
    public var widened: Register { name == full ? self : Register(name: full) }

    private static let aliases: [String: String] = {
        var m: [String: String] = [:]
        for (r64, subs) in [("rax", ["eax", "ax", "al", "ah"]), ("rbx", ["ebx", "bx", "bl", "bh"]),
                            ("rcx", ["ecx", "cx", "cl", "ch"]), ("rdx", ["edx", "dx", "dl", "dh"]),
                            ("rsi", ["esi", "si", "sil"]), ("rdi", ["edi", "di", "dil"]),
                            ("rbp", ["ebp", "bp", "bpl"]), ("rsp", ["esp", "sp", "spl"])] {
            for s in subs { m[s] = r64 }
        }
        for n in 8 ... 15 {
            for suffix in ["d", "w", "b"] { m["r\(n)\(suffix)"] = "r\(n)" }
        }
        m["eip"] = "rip"
        return m
    }()

    static func fullName(_ name: String) -> String { aliases[name] ?? name }

    /// Caller-saved (clobbered) registers of the x86-64 SysV C ABI.
    public static let callerSaved: [Register] = ["rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11"]
        .map(Register.init(name:))
}
