import CorpusBuild
import ELF
import Foundation
import TestSupport
import Testing
@testable import X86

/// The symbolized disassembly the study's examples show, line by line
/// against `objdump -dr` on corpus objects and a linked image: the same
/// mnemonic and operands as objdump prints them, each relocation folded
/// into its operand (symbol and the offset the instruction reaches), each
/// branch target named `func+0x1a` as objdump's `<func+0x1a>`.
@Suite("Disassembly")
struct DisassemblyTests {
    /// One instruction of `objdump -dr -w --no-show-raw-insn` and the
    /// relocation inside it, turned into the text `Disassembler` must
    /// print, independently of it.
    static func expected(_ path: String) throws -> [UInt64: String] {
        let out = try Command.check(["objdump", "-dr", "-w", "--no-show-raw-insn", "-j", ".text", path])
        var lines: [(address: UInt64, text: String, reloc: (type: String, symbol: String, addend: Int64, at: UInt64)?)] = []
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count >= 2, let colon = parts[0].firstIndex(of: ":"),
                  let address = UInt64(parts[0][..<colon].trimmingCharacters(in: .whitespaces), radix: 16),
                  parts[0][parts[0].index(after: colon)...].allSatisfy({ $0 == " " }) else { continue }
            var text = parts[1...].joined(separator: "\t")
            var reloc: (String, String, Int64, UInt64)?
            if let r = text.range(of: "R_X86_64_") {
                // -w puts the relocation after the instruction: `...\t  f: R_X86_64_PLT32\tsym-0x4`.
                let relocText = text[r.lowerBound...]
                let at = text[..<r.lowerBound].split(separator: "\t").last!.split(separator: ":").first!
                let fields = relocText.split(separator: "\t")
                let symbolAndAddend = String(fields[1])
                var symbol = symbolAndAddend, addend: Int64 = 0
                if let sign = symbolAndAddend.lastIndex(where: { $0 == "+" || $0 == "-" }),
                   symbolAndAddend[symbolAndAddend.index(after: sign)...].hasPrefix("0x") {
                    symbol = String(symbolAndAddend[..<sign])
                    addend = Int64(symbolAndAddend[symbolAndAddend.index(sign, offsetBy: 3)...], radix: 16)!
                    if symbolAndAddend[sign] == "-" { addend = -addend }
                }
                reloc = (String(fields[0]), symbol, addend, UInt64(at.trimmingCharacters(in: .whitespaces), radix: 16)!)
                text = String(text[..<r.lowerBound].split(separator: "\t").dropLast().joined(separator: "\t"))
            }
            lines.append((address, text.trimmingCharacters(in: .whitespaces), reloc))
        }
        var result: [UInt64: String] = [:]
        for (i, l) in lines.enumerated() {
            // `mov    0x0(%rip),%rax        # 7 <ack_APIC_irq+0x7>`: drop objdump's comment.
            var text = l.text
            if let hash = text.range(of: "        # ") { text = String(text[..<hash.lowerBound]) }
            let words = text.split(separator: " ", maxSplits: 1).map(String.init)
            var mnemonic = words[0], operands = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : ""
            // Prefixes are words of their own for objdump (`notrack jmp *%rax`, `lock cmpxchg ...`).
            while ["notrack", "lock", "rep", "repz", "repnz", "bnd", "data16", "cs", "ds"].contains(mnemonic),
                  let next = operands.split(separator: " ", maxSplits: 1).first {
                mnemonic += " " + next
                operands = operands.split(separator: " ", maxSplits: 1).dropFirst().first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            }
            // The last instruction: its field ends it (no instruction has an immediate after a PC-relative field).
            let end = i + 1 < lines.count ? lines[i + 1].address : (l.reloc?.at ?? l.address) + 4
            // A relocation whose field runs past the instruction (data decoded as code) is not folded in.
            let width: UInt64 = ["R_X86_64_64", "R_X86_64_PC64"].contains(l.reloc?.type ?? "") ? 8 : 4
            if let r = l.reloc, r.at + width <= end {
                let pcRelative = ["R_X86_64_PC32", "R_X86_64_PLT32"].contains(r.type)
                let reached = pcRelative ? r.addend + (Int64(bitPattern: end) - Int64(bitPattern: r.at)) : r.addend
                let place = r.symbol + (reached == 0 ? "" : reached > 0 ? "+0x" + String(reached, radix: 16) : "-0x" + String(-reached, radix: 16))
                if r.type.contains("GOTPCREL") {
                    operands = operands.replacingOccurrences(of: "0x0(%rip)", with: "\(r.symbol)@GOTPCREL(%rip)")
                } else if let m = operands.firstMatch(of: /-?0x[0-9a-f]+\(%rip\)/) {
                    operands.replaceSubrange(m.range, with: place + "(%rip)")
                } else if let m = operands.prefixMatch(of: /\$0x[0-9a-f]+/) {
                    operands.replaceSubrange(m.range, with: "$" + place)
                } else if let lt = operands.firstIndex(of: "<") {
                    // A branch with a relocation: `13 <f+0x13>` in an object (the field
                    // is not applied yet: the relocation names the target); in a linked
                    // image a section symbol's target is objdump's `<checked_read_cr0.cold>`.
                    operands = r.symbol.hasPrefix(".") && !operands.hasPrefix("0 ") && l.address > 0xffff
                        ? String(operands[operands.index(after: lt) ..< operands.index(before: operands.endIndex)]) : place
                } else {
                    operands = operands.replacingOccurrences(of: "0x0", with: place)
                }
            } else if let lt = operands.firstIndex(of: "<"), operands.hasSuffix(">"), !operands.contains("(") {
                // A branch without a relocation: `70 <f+0x10>` → `f+0x10`.
                operands = String(operands[operands.index(after: lt) ..< operands.index(before: operands.endIndex)])
            }
            result[l.address] = operands.isEmpty ? mnemonic : mnemonic + " " + operands
        }
        return result
    }

    static func check(_ path: String) throws -> Int {
        let expected = try expected(path)
        let file = try ObjectFile(path: path)
        let text = try #require(file.findSection(named: ".text"))
        let reader = CodeReader(file: file)
        let disassembler = Disassembler(file: file)
        var seen = Set<UInt64>()
        var compared = 0
        for sym in file.symbols where sym.isFunction && sym.sectionIndex == text.index && sym.size > 0 {
            let offset = file.isRelocatable ? sym.value : sym.value - text.address
            for insn in reader.functionInstructions(section: text, offset: offset).instructions
            where seen.insert(insn.address).inserted {
                guard let want = expected[insn.address] else { continue }
                let got = try disassembler.text(insn, in: text)
                #expect(got == want, "\(path) \(hex(insn.address)): \(insn.text)")
                compared += 1
            }
        }
        return compared
    }

    @Test(arguments: [("src/apic_time.c", "kernel", "-O2"), ("src/apic_time.c", "retpoline", "-O2"), ("src/irq_loops.c", "pic", "-O2"),
                      ("src/apic_time.c", "abs", "-O2"), ("asm/entry_64.S", "kernel", "-O2"), ("src/cold_paths.c", "kernel", "-Os"),
                      ("src/context_switch.c", "ro-ops", "-O0")])
    func objectsMatchObjdump(source: String, variant: String, opt: String) throws {
        _ = CorpusFixture.build
        for mode in [BuildMode.annotated, .plain] {
            guard let path = CorpusFixture.object(source, variant, opt, mode) else {
                Issue.record("no \(source) in \(variant) \(opt) \(mode)")
                continue
            }
            #expect(try Self.check(path) > 10)
        }
    }

    /// capstone's decimal displacements in objdump's hex, and what is no
    /// displacement left alone.
    @Test(arguments: [("8(%rax)", "0x8(%rax)"), ("-1(%rdi)", "-0x1(%rdi)"), ("%gs:8", "%gs:0x8"),
                      ("*%gs:40", "*%gs:0x28"), ("*16(%rax,%rbx,8)", "*0x10(%rax,%rbx,8)"), ("4096", "0x1000"),
                      ("0x10(%rax)", "0x10(%rax)"), ("%rax", "%rax"), ("$5", "$5"), ("(%rax)", "(%rax)"),
                      ("8(", "8("), ("%gs:", "%gs:"), ("%g:8", "%g:8"), ("99999999999999999999", "99999999999999999999")])
    func displacementsInHex(capstone: String, objdump: String) {
        #expect(Disassembler.hexDisplacement(capstone) == objdump)
    }

    /// A linked image keeps its relocations (`--emit-relocs`): the same
    /// text as objdump, symbols through the relocations at virtual addresses.
    @Test func linkedImageMatchesObjdump() throws {
        let image = try #require(CorpusFixture.build.find(CorpusFixture.configuration("retpoline", "-O2"), .plain)?.image)
        #expect(try Self.check(image) > 100)
    }

    /// The forms the examples show, spelt out.
    @Test func examplesReadLikeTheIssueAsks() throws {
        _ = CorpusFixture.build
        let path = try #require(CorpusFixture.object("src/apic_time.c", "retpoline", "-O2", .plain))
        let file = try ObjectFile(path: path)
        let text = try #require(file.findSection(named: ".text"))
        let reader = CodeReader(file: file)
        let d = Disassembler(file: file)
        let insns = reader.functionInstructions(section: text, offset: 0x20).instructions
        let lines = try insns.map { try d.text($0, in: text) { symbol, offset in symbol == "paravirt_ops" ? "op+\(hex(offset))" : nil } }
        #expect(lines.contains { $0.hasPrefix("mov paravirt_ops+0x") && $0.hasSuffix("(%rip),%rax  # op+0x" + $0.dropFirst("mov paravirt_ops+0x".count).prefix { $0 != "(" }) })
        #expect(lines.contains("call __x86_indirect_thunk_rax"))
        #expect(lines.contains("ret"))
        #expect(!lines.contains { $0.contains("callq") || $0.contains("retq") })
    }
}
