import X86
import Foundation
import ELF
import TestSupport
import Testing

/// One line of `objdump -d -w`: address, bytes, mnemonic.
struct ObjdumpLine {
    let address: UInt64
    let bytes: [UInt8]
    let mnemonic: String
}

func objdumpLines(_ path: String, section: String) throws -> [ObjdumpLine] {
    let out = try Command.check(["objdump", "-d", "-w", "-j", section, path])
    var lines: [ObjdumpLine] = []
    for line in out.split(separator: "\n") {
        let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard parts.count >= 3, let colon = parts[0].firstIndex(of: ":"),
              let address = UInt64(parts[0][..<colon].trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
        let bytes = parts[1].split(separator: " ").compactMap { UInt8($0, radix: 16) }
        let mnemonic = parts[2].split(separator: " ").first.map(String.init) ?? ""
        lines.append(ObjdumpLine(address: address, bytes: bytes, mnemonic: mnemonic))
    }
    return lines
}

/// capstone says `callq`, objdump (binutils 2.40) `call`; `notrack` is a
/// separate word for objdump and a prefix for capstone.
func sameMnemonic(_ ours: String, _ objdump: String) -> Bool {
    ours == objdump || (ours.dropLast() == objdump && "qlwb".contains(ours.last!))
        || objdump == "notrack" || objdump == "cs"
}

@Suite("x86-64 decoding")
struct DecoderTests {
    @Test(arguments: [["-O0"], ["-O2"], ["-Os"], ["-O2", "-mcmodel=kernel", "-fno-pic"], ["-O2", "-fPIC"]])
    func instructionAtEachRelocationEqualsObjdump(flags: [String]) throws {
        let path = try Fixtures.compile(Snippets.opsTable, name: "ops-dec", flags: flags + ["-g"])
        let file = try ObjectFile(path: path)
        let text = try #require(file.findSection(named: ".text"))
        let reader = CodeReader(file: file)
        let objdump = try objdumpLines(path, section: ".text")
        var checked = 0
        for rs in file.relocationSections(for: text.index) {
            for r in try file.readRelocations(rs) {
                let anchored = try #require(reader.instruction(at: r, in: text), "no instruction at \(hex(r.offset))")
                #expect(anchored.confirmedBySweep)
                let line = try #require(objdump.first { $0.address <= r.offset && r.offset < $0.address + UInt64($0.bytes.count) })
                #expect(anchored.offset == line.address)
                #expect(anchored.instruction.bytes == line.bytes)
                let ours = anchored.instruction.text.split(separator: " ").first.map(String.init) ?? ""
                #expect(sameMnemonic(ours, line.mnemonic),
                        "\(anchored.instruction) vs \(line.mnemonic)")
                checked += 1
            }
        }
        // Every relocation readelf lists for .text was checked.
        let readelf = try Command.check(["readelf", "-rW", path]).split(separator: "\n")
            .first { $0.hasPrefix("Relocation section '.rela.text' ") }
        let entries = try #require(readelf?.split(separator: " ").dropLast().last.flatMap { Int($0) })
        #expect(checked == entries)
    }

    @Test func forms() {
        let d = X86Decoder()
        let call = d.decode([0xff, 0x15, 0x10, 0, 0, 0])!
        #expect(call.operation == .call)
        #expect(call.length == 6)
        #expect(call.memoryOperand?.isRIPRelative == true)
        #expect(call.memoryOperand?.displacement == 0x10)
        let abs = d.decode([0xff, 0x14, 0x25, 0x10, 0, 0, 0])!
        #expect(abs.length == 7 && abs.memoryOperand?.isAbsolute == true)
        let tail = d.decode([0x3e, 0xff, 0xe0])!
        #expect(tail.operation == .jump && tail.isNotrack && tail.indirectRegister?.name == "rax")
        let endbr = d.decode([0xf3, 0x0f, 0x1e, 0xfa])!
        #expect(endbr.operation == .endbr)
        let load = d.decode([0x48, 0x8b, 0x05, 0x10, 0, 0, 0])!
        #expect(load.destinationRegister?.name == "rax")
        #expect(load.registersWritten.contains(Register(name: "rax")))
        let base = d.decode([0xff, 0x50, 0x18])!
        #expect(base.operation == .call && base.memoryOperand?.base?.name == "rax")
        let r12 = d.decode([0x41, 0xff, 0xd4])!
        #expect(r12.indirectRegister?.full == "r12")
        #expect(d.decode([0x0f, 0x0b])?.operation == .trap)
        #expect(d.decode([0xff]) == nil)
    }

    /// The anchor does not trust a sweep: data in text before the site.
    @Test func anchorSurvivesDataInText() throws {
        let asm = """
            .text
            .globl f
            .type f, @function
        f:
            jmp 1f
            .byte 0x48, 0x8b, 0x0f, 0xff
        1:  call *paravirt_ops+16(%rip)
            ret
            .size f, .-f
        """
        let path = try Fixtures.compile(asm, name: "desync", flags: ["-g"], language: "assembler-with-cpp")
        let file = try ObjectFile(path: path)
        let text = try #require(file.findSection(named: ".text"))
        let rs = try #require(file.relocationSections(for: text.index).first)
        let r = try #require(try file.readRelocations(rs).first)
        let anchored = try #require(CodeReader(file: file).instruction(at: r, in: text))
        #expect(anchored.instruction.operation == .call)
        #expect(anchored.instruction.length == 6)
        #expect(anchored.field == .displacement)
        #expect(anchored.offset == r.offset - 2)
        #expect(!anchored.confirmedBySweep)
    }
}
