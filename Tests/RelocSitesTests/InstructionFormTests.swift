import ELF
import RelocSites
import SiteModel
import TestSupport
import Testing

/// One instruction form that references the table, assembled by gcc, with
/// what the scan must make of it.
struct FormCase: CustomTestStringConvertible, Sendable {
    let name: String
    let body: String
    let relocation: String
    let use: ReferenceUse
    /// Field offset the reference touches (nil: a GOT load, no field yet).
    let field: Int64?
    /// The site dataflow reports, if any: kind, length and field.
    let site: (SiteKind, Int, Int64)?
    var testDescription: String { name }

    /// The assembled object: a function `f` around the body.
    func object() throws -> ObjectFile {
        let asm = """
            .text
            .globl f
            .type f, @function
        f:
        \(body)
            ret
            .size f, .-f
        """
        return try ObjectFile(path: try Fixtures.compile(asm, name: "form-\(name)", flags: ["-g"],
                                                          language: "assembler-with-cpp"))
    }
}

let formCases: [FormCase] = [
    FormCase(name: "call-rip", body: "call *paravirt_ops+0x10(%rip)", relocation: "R_X86_64_PC32",
             use: .callMem, field: 0x10, site: (.call, 6, 0x10)),
    FormCase(name: "jmp-rip", body: "jmp *paravirt_ops+0x18(%rip)", relocation: "R_X86_64_PC32",
             use: .jmpMem, field: 0x18, site: (.jmp, 6, 0x18)),
    FormCase(name: "call-abs", body: "call *paravirt_ops+0x20", relocation: "R_X86_64_32S",
             use: .callMem, field: 0x20, site: (.call, 7, 0x20)),
    FormCase(name: "notrack-jmp", body: "notrack jmp *paravirt_ops+0x28(%rip)", relocation: "R_X86_64_PC32",
             use: .jmpMem, field: 0x28, site: (.jmp, 7, 0x28)),
    FormCase(name: "load-call-reg", body: "mov paravirt_ops+0x30(%rip), %rax\n    call *%rax",
             relocation: "R_X86_64_PC32", use: .load, field: 0x30, site: (.callReg, 2, 0x30)),
    FormCase(name: "load-r12-loop", body: """
                mov paravirt_ops+0x38(%rip), %r12
            1:  call *%r12
                call other
                dec %ebx
                jnz 1b
            """, relocation: "R_X86_64_PC32", use: .load, field: 0x38, site: (.callReg, 3, 0x38)),
    FormCase(name: "load-branch", body: """
                mov paravirt_ops+0x40(%rip), %rdx
                test %edi, %edi
                je 1f
                xor %eax, %eax
            1:  jmp *%rdx
            """, relocation: "R_X86_64_PC32", use: .load, field: 0x40, site: (.jmpReg, 2, 0x40)),
    FormCase(name: "load-overwritten", body: "mov paravirt_ops+0x30(%rip), %rax\n    mov $1, %eax\n    call *%rax",
             relocation: "R_X86_64_PC32", use: .load, field: 0x30, site: nil),
    FormCase(name: "lea-base", body: "lea paravirt_ops(%rip), %rbx\n    call *0x48(%rbx)",
             relocation: "R_X86_64_PC32", use: .address, field: 0, site: (.callBase, 3, 0x48)),
    FormCase(name: "got-base", body: "movq paravirt_ops@GOTPCREL(%rip), %rax\n    call *0x50(%rax)",
             relocation: "R_X86_64_REX_GOTPCRELX", use: .address, field: nil, site: (.callBase, 3, 0x50)),
    FormCase(name: "thunk", body: "mov paravirt_ops+0x58(%rip), %r11\n    call __x86_indirect_thunk_r11",
             relocation: "R_X86_64_PC32", use: .load, field: 0x58, site: (.thunkCall, 5, 0x58)),
    FormCase(name: "compare-imm", body: "cmpq $0, paravirt_ops+0x60(%rip)", relocation: "R_X86_64_PC32",
             use: .compare, field: 0x60, site: nil),
    FormCase(name: "compare-reg", body: "cmp paravirt_ops+0x60(%rip), %rax", relocation: "R_X86_64_PC32",
             use: .compare, field: 0x60, site: nil),
    FormCase(name: "store", body: "movq %rax, paravirt_ops+0x68(%rip)", relocation: "R_X86_64_PC32",
             use: .store, field: 0x68, site: nil),
    FormCase(name: "store-imm", body: "movq $0, paravirt_ops+0x68(%rip)", relocation: "R_X86_64_PC32",
             use: .store, field: 0x68, site: nil),
    FormCase(name: "address-imm32s", body: "movq $paravirt_ops+8, %rax", relocation: "R_X86_64_32S",
             use: .address, field: 8, site: nil),
    FormCase(name: "address-imm32", body: "movl $paravirt_ops, %eax", relocation: "R_X86_64_32",
             use: .address, field: 0, site: nil),
    FormCase(name: "address-imm64", body: "movabs $paravirt_ops+0x70, %rax\n    call *(%rax)",
             relocation: "R_X86_64_64", use: .address, field: 0x70, site: (.callBase, 2, 0x70)),
    FormCase(name: "load-base-then-call", body: "lea paravirt_ops(%rip), %rsi\n    mov 0x78(%rsi), %rax\n    call *%rax",
             relocation: "R_X86_64_PC32", use: .address, field: 0, site: (.callReg, 2, 0x78)),
]

@Suite("Instruction forms and relocation types")
struct InstructionFormTests {
    @Test(arguments: formCases)
    func classified(_ c: FormCase) throws {
        let file = try c.object()
        let scan = try RelocScan(file: file, options: RelocOptions(policy: .dataflow, sourcePositions: false))
        #expect(scan.table == "paravirt_ops")
        let ref = try #require(scan.references.first)
        #expect(scan.references.count == 1)
        #expect(ref.use == c.use)
        #expect(ref.relocationType == c.relocation)
        #expect(ref.op?.offset == c.field)
        #expect(ref.confirmedBySweep)
        #expect(ref.location.hasPrefix("f+"))
        if let (kind, length, field) = c.site {
            let site = try #require(scan.sites.first, "no dataflow site")
            #expect(scan.sites.count == 1)
            #expect(site.kind == kind)
            #expect(site.length == length)
            #expect(site.op.offset == field)
            #expect(site.clobbers == .cABI)
        } else {
            #expect(scan.sites.isEmpty)
        }
    }

    /// `decoded` keeps only calls and jumps through memory; `naive` takes
    /// every reference as a 6-byte call two bytes before the relocation.
    @Test(arguments: formCases)
    func policies(_ c: FormCase) throws {
        let file = try c.object()
        let decoded = try RelocScan(file: file, options: RelocOptions(policy: .decoded, sourcePositions: false))
        let memory = c.use == .callMem || c.use == .jmpMem
        #expect(decoded.sites.count == (memory ? 1 : 0))
        let naive = try RelocScan(file: file, options: RelocOptions(policy: .naive, sourcePositions: false))
        let site = try #require(naive.sites.first)
        #expect(naive.sites.count == 1)
        #expect(site.length == Policy.assumedLength)
        let r = naive.references[0].relocationOffset
        #expect(site.offset == (r >= 2 ? r - 2 : 0))
    }
}

@Suite("Files without the table")
struct NoTableTests {
    @Test func dismissedOnSymbolTable() throws {
        let path = try Fixtures.compile("int f(int x) { return x * 3; }", name: "notable", flags: ["-O2"])
        let scan = try RelocScan(file: try ObjectFile(path: path))
        #expect(scan.table == nil)
        #expect(scan.references.isEmpty && scan.sites.isEmpty)
    }

    @Test func otherSymbolName() throws {
        let asm = "    .text\n    .globl f\nf:\n    call *my_ops+0x8(%rip)\n    ret\n"
        let file = try ObjectFile(path: try Fixtures.compile(asm, name: "myops", flags: [], language: "assembler-with-cpp"))
        #expect(try RelocScan(file: file).table == nil)
        let scan = try RelocScan(file: file, options: RelocOptions(tableSymbol: "my_ops"))
        #expect(scan.sites.map(\.op.offset) == [8])
    }
}
