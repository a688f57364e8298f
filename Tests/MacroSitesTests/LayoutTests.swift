import MacroSites
import ELF
import SiteModel
import TestSupport
import Testing

/// Hand-assembled record sections in every layout, with a table defined in
/// the same file so that type bounds are known (`.size paravirt_ops`).
enum MacroAsm {
    static let table = """
        .data
        .globl paravirt_ops
        .type paravirt_ops, @object
        .size paravirt_ops, 0x100
    paravirt_ops:
        .zero 0x100
    datum:
        .quad 0
    """

    /// A 16-byte `{instr; type; len; clobbers}` record for label `n`.
    static func record(_ n: Int, type: Int, len: String = "772\(0)b-771\(0)b", clobbers: Int, pad: Bool = true) -> String {
        """
            .pushsection .parainstructions, "a"
            .balign 8
            .quad 71\(n)b
            .byte \(type)
            .byte \(len)
            .short \(clobbers)
            \(pad ? ".balign 8" : "")
            .popsection
        """
    }

    /// `f` with sites 1 and 2 (call and tail jmp), records as given.
    static func object(_ name: String, records: String, extra: String = "", link: Bool = false) throws -> ObjectFile {
        let asm = """
            .text
            .globl f
            .type f, @function
        f:
        711: call *paravirt_ops+0x10(%rip)
        721:
            nop
        712: jmp *paravirt_ops+0x18(%rip)
        722:
            .size f, .-f
        \(extra)
        \(records)
        \(table)
        """
        let path = try Fixtures.compile(asm, name: "macro-\(name)", flags: ["-g"], language: "assembler-with-cpp",
                                        link: link ? ["-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs", "-Wl,-ef"] : nil)
        return try ObjectFile(path: path)
    }

    static func standard(clobbers: (Int, Int), pad: Bool = true) -> String {
        """
            .pushsection .parainstructions, "a"
            .balign 8
            .quad 711b
            .byte 2
            .byte 721b-711b
            .short \(clobbers.0)
            .balign 8
            .quad 712b
            .byte 3
            .byte 722b-712b
            .short \(clobbers.1)
            \(pad ? ".balign 8" : "")
            .popsection
        """
    }
}

@Suite("Record layouts")
struct LayoutTests {
    @Test(arguments: [false, true])
    func clobbers(linked: Bool) throws {
        let file = try MacroAsm.object("clobbers", records: MacroAsm.standard(clobbers: (0x1, 0x1ff)), link: linked)
        let scan = try MacroScan(file: file)
        #expect(scan.layout == "clobbers")
        #expect(scan.layoutReason.contains("2 of 2"))
        #expect(scan.findings.isEmpty, "\(scan.findings)")
        #expect(scan.sites.map(\.op.offset) == [0x10, 0x18])
        #expect(scan.sites.map(\.length) == [6, 6])
        #expect(scan.sites.map(\.kind) == [.call, .jmp])
        #expect(scan.sites.map(\.location) == ["f+0x0", "f+0x7"])
        #expect(scan.sites[0].clobbers == .rax)
        #expect(scan.sites[1].clobbers == .cABI)
        let text = try #require(file.findSection(named: ".text"))
        #expect(scan.sites[0].address == text.address)
    }

    @Test func linux61() throws {
        let file = try MacroAsm.object("l61", records: MacroAsm.standard(clobbers: (0, 0)))
        let scan = try MacroScan(file: file)
        #expect(scan.layout == "linux-6.1")
        #expect(scan.sites.count == 2)
        #expect(scan.sites.allSatisfy { $0.clobbers == nil })
    }

    /// Linux 2.6.25 to 6.0: 12-byte records aligned to 8; the last one
    /// lacks its padding.
    @Test func shortLastRecord() throws {
        let file = try MacroAsm.object("short", records: MacroAsm.standard(clobbers: (1, 1), pad: false))
        let sec = try #require(file.findSection(named: ".parainstructions"))
        #expect(sec.size == 28)
        let scan = try MacroScan(file: file)
        #expect(scan.records == 2)
        #expect(scan.sites.count == 2)
    }

    @Test(arguments: [false, true])
    func linux68(linked: Bool) throws {
        // Packed alt_instr: {s32 instr; s32 repl; u16 cpuid; u16 flags; u8 len; u8 repllen}.
        let records = """
            .pushsection .altinstr_replacement, "ax"
        781: call f
        782:
            .popsection
            .pushsection .altinstructions, "a"
            .long 711b - .
            .long 781b - .
            .4byte 0x75 | (2 << 16)
            .byte 721b-711b
            .byte 782b-781b
            .long 712b - .
            .long 781b - .
            .4byte 0x110 | (1 << 16)
            .byte 722b-712b
            .byte 782b-781b
            .long 712b - .
            .long 781b - .
            .4byte 0x75 | (2 << 16)
            .byte 722b-712b
            .byte 782b-781b
            .popsection
        """
        let file = try MacroAsm.object("l68", records: records, link: linked)
        let scan = try MacroScan(file: file)
        #expect(scan.layout == "linux-6.8")
        #expect(scan.records == 3)
        // The ALT_FLAG_NOT entry is not a paravirt site.
        #expect(scan.sites.map(\.op.offset) == [0x10, 0x18])
        #expect(scan.sites.map(\.kind) == [.call, .jmp])
        #expect(scan.findings.isEmpty, "\(scan.findings)")
    }

    @Test func custom() throws {
        let records = """
            .pushsection .mysites, "a"
            .byte 2
            .byte 721b-711b
            .zero 6
            .quad 711b
            .popsection
        """
        let file = try MacroAsm.object("custom", records: records)
        let format = try RecordFormats.parse("size=16,instr=8:8,type=0:1,len=1:1")
        let scan = try MacroScan(file: file, options: MacroOptions(section: ".mysites", format: format))
        #expect(scan.layoutReason == "given on the command line")
        #expect(scan.sites.map(\.op.offset) == [0x10])
        #expect(scan.sites.map(\.length) == [6])
    }

    @Test(arguments: ["size=16", "size=16,instr=0:3,len=9:1", "size=8,instr=0:8,len=9:1", "bogus", "size=16,instr=0:8,len=9:1,colour=3"])
    func badSpecs(spec: String) {
        #expect(throws: LayoutError.self) { try RecordFormats.parse(spec) }
    }

    @Test func noSection() throws {
        let path = try Fixtures.compile("int g(void) { return 1; }", name: "nosec", flags: ["-O2"])
        let scan = try MacroScan(file: try ObjectFile(path: path))
        #expect(scan.section == nil && scan.sites.isEmpty)
    }
}

@Suite("Record validation")
struct ValidationTests {
    static func findings(_ name: String, _ records: String, extra: String = "") throws -> [String] {
        let file = try MacroAsm.object(name, records: records, extra: extra)
        return try MacroScan(file: file).findings.map(\.description)
    }

    @Test func pointerOutsideText() throws {
        let records = """
            .pushsection .parainstructions, "a"
            .balign 8
            .quad datum
            .byte 2
            .byte 6
            .short 1
            .balign 8
            .popsection
        """
        let f = try Self.findings("outside", records)
        #expect(f.count == 1)
        #expect(f[0].contains(".parainstructions[0]") && f[0].contains("not in an executable section"))
    }

    @Test func lengthZeroAndImplausible() throws {
        let f = try Self.findings("len", MacroAsm.record(1, type: 2, len: "0", clobbers: 1)
                                  + "\n" + MacroAsm.record(2, type: 3, len: "80", clobbers: 1))
        #expect(f.contains { $0.contains("[0]") && $0.contains("length 0") })
        #expect(f.contains { $0.contains("[1]") && $0.contains("implausible length 80") })
    }

    @Test func endsInsideInstruction() throws {
        let f = try Self.findings("short-len", MacroAsm.record(1, type: 2, len: "5", clobbers: 1))
        #expect(f.count == 1)
        #expect(f[0].contains("instructions end at +0x6, not at the recorded length 5"))
    }

    @Test func overlapping() throws {
        let f = try Self.findings("overlap", MacroAsm.record(1, type: 2, len: "8", clobbers: 1)
                                  + "\n" + MacroAsm.record(2, type: 3, len: "6", clobbers: 1))
        #expect(f.contains { $0.contains("[1]") && $0.contains("overlaps record 0") })
    }

    @Test func typeOutsideTable() throws {
        let f = try Self.findings("type", MacroAsm.record(1, type: 0x40, len: "6", clobbers: 1))
        #expect(f.contains { $0.contains("type 64 is outside the table paravirt_ops (256 bytes)") })
        // And the instruction refers to another field than the type says.
        #expect(f.contains { $0.contains("but the instruction refers to +0x10") })
    }

    @Test func undecodableBytes() throws {
        let extra = """
            .text
            .globl g
            .type g, @function
        g:
        713: .byte 0x0f, 0x0b, 0xff, 0xff
            .size g, .-g
        """
        let f = try Self.findings("undec", MacroAsm.record(3, type: 2, len: "4", clobbers: 1), extra: extra)
        #expect(f.contains { $0.contains("do not decode") })
    }

    @Test func badClobberBits() throws {
        let f = try Self.findings("clbr", MacroAsm.record(1, type: 2, len: "6", clobbers: 0x8001))
        #expect(f.contains { $0.contains("bits outside CLBR_ANY") })
    }
}
