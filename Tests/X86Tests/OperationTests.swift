import ELF
import TestSupport
import Testing
import X86

/// One instruction form, as gas spells it, and the generic operation the
/// decoder must give it.
struct OperationCase: CustomTestStringConvertible, Sendable {
    let asm: String
    let operation: Instruction.Operation
    /// An explicit memory operand is written.
    var writesMemory = false
    var testDescription: String { asm }

    init(_ asm: String, _ operation: Instruction.Operation, writesMemory: Bool = false) {
        self.asm = asm
        self.operation = operation
        self.writesMemory = writesMemory
    }
}

let operationCases: [OperationCase] = [
    OperationCase("call g", .call),
    OperationCase("call *0x10(%rip)", .call),
    OperationCase("call *0x10", .call),
    OperationCase("call *%rax", .call),
    OperationCase("call *0x48(%rbx)", .call),
    OperationCase("jmp g", .jump),
    OperationCase("jmp *0x18(%rip)", .jump),
    OperationCase("jmp *%r11", .jump),
    OperationCase("notrack jmp *%rax", .jump),
    OperationCase("je g", .conditionalJump),
    OperationCase("jne g", .conditionalJump),
    OperationCase("ret", .ret),
    OperationCase("ud2", .trap),
    OperationCase("int3", .trap),
    OperationCase("hlt", .trap),
    OperationCase("int $0x80", .interrupt),
    OperationCase("endbr64", .endbr),
    OperationCase("nop", .nop),
    OperationCase("nopl 0x0(%rax)", .nop),
    OperationCase("nopw 0x0(%rax,%rax,1)", .nop),
    // Moves, by what they write and read.
    OperationCase("mov 0x10(%rip), %rax", .load),
    OperationCase("mov 0x10(%rdi), %r12", .load),
    OperationCase("movzbl 0x10(%rdi), %eax", .load),
    OperationCase("movsbq (%rsi), %rax", .load),
    OperationCase("movslq 8(%rdi), %rax", .load),
    OperationCase("movabs 0x1122334455667788, %rax", .load),
    OperationCase("movbe (%rdi), %eax", .load),
    OperationCase("movq 0x10(%rdi), %xmm0", .load),
    OperationCase("mov %rax, 0x10(%rip)", .store, writesMemory: true),
    OperationCase("movq $0, 0x10(%rip)", .store, writesMemory: true),
    OperationCase("movb %al, (%rdi)", .store, writesMemory: true),
    OperationCase("movsq", .store, writesMemory: true),
    OperationCase("mov %rsi, %rax", .move),
    OperationCase("mov $1, %eax", .move),
    OperationCase("movabs $0x1122334455667788, %rax", .move),
    OperationCase("movzbl %al, %eax", .move),
    OperationCase("mov %ds, %eax", .move),
    OperationCase("mov %cr3, %rax", .move),
    OperationCase("lea 0x10(%rip), %rax", .lea),
    OperationCase("lea (%rdi,%rsi,8), %rax", .lea),
    OperationCase("add $8, %rax", .add),
    OperationCase("add %rsi, %rax", .add),
    OperationCase("addq $1, 0x10(%rip)", .add, writesMemory: true),
    OperationCase("cmp $0, %rax", .compare),
    OperationCase("cmpq $0, 0x10(%rip)", .compare),
    OperationCase("cmp 0x10(%rip), %rax", .compare),
    OperationCase("test %edi, %edi", .compare),
    // capstone 4.0 marks cmpxchg's memory operand read, not written.
    OperationCase("cmpxchg %rcx, (%rdi)", .compare),
    OperationCase("cmpsb", .compare),
    OperationCase("push %rbx", .push),
    OperationCase("pushq 0x10(%rip)", .push),
    OperationCase("pushq $1", .push),
    OperationCase("pushf", .push),
    // Not a move: a conditional move; not a lea: leave. A lock or rep
    // prefix makes an atomic or repeated memory operation, not the plain form.
    OperationCase("cmovne %rsi, %rax", .other),
    OperationCase("leave", .other),
    OperationCase("lock cmpxchg %rcx, (%rdi)", .other),
    OperationCase("lock addq $1, (%rdi)", .other, writesMemory: true),
    OperationCase("rep movsq", .other, writesMemory: true),
    OperationCase("repe cmpsb", .other),
    OperationCase("xchg %rax, (%rdi)", .other, writesMemory: true),
    OperationCase("sub $8, %rsp", .other),
    OperationCase("xor %eax, %eax", .other),
    OperationCase("pop %rbx", .other),
]

@Suite("Generic operation of each form")
struct OperationTests {
    /// Every form assembled by gcc into one object, each at a 16-byte
    /// boundary of its own (`.balign 16` pads with nops between them).
    static func object() throws -> ObjectFile {
        let body = operationCases.map { "    .balign 16\n    \($0.asm)" }.joined(separator: "\n")
        let asm = """
            .text
            .globl f
            .type f, @function
        f:
        \(body)
            .balign 16
            .globl g
        g:
            ret
            .size f, .-f
        """
        return try ObjectFile(path: try Fixtures.compile(asm, name: "operations", flags: [],
                                                          language: "assembler-with-cpp"))
    }

    @Test(arguments: operationCases)
    func operation(_ c: OperationCase) throws {
        let index = try #require(operationCases.firstIndex { $0.asm == c.asm })
        let file = try Self.object()
        let text = try #require(file.findSection(named: ".text"))
        let insn = try #require(CodeReader(file: file).decode(section: text, offset: UInt64(16 * index)),
                                "\(c.asm) does not decode")
        #expect(insn.length <= 16, "\(c.asm): \(insn)")
        #expect(insn.operation == c.operation, "\(c.asm): \(insn)")
        #expect(insn.writesMemory == c.writesMemory, "\(c.asm): \(insn)")
    }
}
