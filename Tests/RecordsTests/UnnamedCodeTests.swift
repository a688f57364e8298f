import ELF
import Foundation
import Records
import RelocSites
import TestSupport
import Testing

/// Code no symbol covers, in a section bigger than a whole-section sweep
/// (64 KiB): vmlinux keeps the body of an overridden weak function (mm/
/// percpu.c's `pcpu_populate_pte`, replaced by x86's) with no symbol. The
/// sweep starts at the previous function's end, as objdump's does; the
/// old guess, 15 bytes before the site, lands inside a `movabs` whose
/// immediate decodes into an instruction across the call (`objdump
/// --start-address` shows it), and the simulator failed a safe record.
@Suite("Unnamed code in a big section")
struct UnnamedCodeTests {
    static let source = """
    	.text
    	.globl filler
    	.type filler,@function
    filler:
    	.fill 70000,1,0x90
    	ret
    	.size filler,.-filler
    	/* no symbol */
    	push %r13
    	movabs $0x000000c0c748b848, %rax
    	mov $0x80, %rax
    	call *paravirt_ops+8(%rip)
    	pop %r13
    	ret
    	.globl after
    	.type after,@function
    after:
    	ret
    	.size after,.-after
    	.data
    	.globl paravirt_ops
    paravirt_ops:
    	.zero 64
    """

    @Test func recordInUnnamedCodePassesTheSimulator() throws {
        let image = try Fixtures.compile(Self.source, name: "unnamed-code", flags: ["-nostdlib", "-static"],
                                         language: "assembler-with-cpp",
                                         link: ["-Wl,-e,filler", "-Wl,--emit-relocs"])
        let file = try ObjectFile(path: image)
        let run = try RecordsRun(file: file, options: .init(policy: .dataflow, sites: .scan, check: true))
        let record = try #require(run.set.records.first)
        #expect(run.set.records.count == 1)
        #expect(record.length == 6)
        // objdump agrees the record is a 6-byte call through the table ...
        let objdump = try Tools.objdump(image)
        let insn = objdump[record.section]?[record.address]
        #expect(insn?.bytes.count == 6 && insn?.text.hasPrefix("call") == true, "\(insn?.text ?? "none")")
        // ... and that a sweep started 15 bytes before it misses the call.
        let from15 = try Command.check(["objdump", "-d", "-w", "--start-address=0x\(String(record.address - 15, radix: 16))",
                                        "--stop-address=0x\(String(record.address + 8, radix: 16))", image])
        #expect(!from15.contains("\(String(record.address, radix: 16)):"), "\(from15)")
        let check = try #require(run.check)
        #expect(check.failed == 0, "\(check.failures)")
        #expect(check.passed == 1)
    }
}
