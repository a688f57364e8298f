import Foundation
import ELF
import TestSupport
import Testing

/// clang emits no `.debug_aranges` (without -gdwarf-aranges), and libdw
/// 0.188 then finds no unit for any address; DebugInfo walks the units'
/// ranges instead. Made reproducible with gcc by removing the section.
@Suite("DWARF without .debug_aranges")
struct DebugInfoArangesTests {
    @Test(arguments: [false, true])
    func chainsWithoutAranges(linked: Bool) throws {
        let source = Snippets.opsTable + (linked ? "\n" + Snippets.opsStubs : "")
        let path = try Fixtures.compile(source, name: "aranges", flags: ["-O2", "-g", "-fno-pic"],
                                        link: linked ? ["-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs"] : nil)
        let stripped = Fixtures.scratchPath("noaranges-\(linked)")
        defer { unlink(stripped) }
        try Command.check(["objcopy", "--remove-section", ".debug_aranges", "--remove-section", ".rela.debug_aranges",
                           path, stripped])
        let a = try ObjectFile(path: path), b = try ObjectFile(path: stripped)
        #expect(b.findSection(named: ".debug_aranges") == nil)
        let text = try #require(a.findSection(named: ".text"))
        let textB = try #require(b.findSection(named: ".text"))
        let places = stride(from: 0, to: text.size, by: 3).map { (section: text.index, offset: $0) }
        let placesB = stride(from: 0, to: textB.size, by: 3).map { (section: textB.index, offset: $0) }
        let chainsA = try #require(try a.openDebugInfo()).inlineChains(places)
        let chainsB = try #require(try b.openDebugInfo()).inlineChains(placesB)
        #expect(chainsA.filter { !$0.isEmpty }.count > places.count / 2)
        #expect(chainsA == chainsB)
    }

    /// An image whose `.debug_aranges` covers only assembler units, with C
    /// between them (a clang vmlinux: clang's C units write none, the
    /// assembler does). libdwfl's lookup gives each C address the asm unit
    /// before it (only the last arange's end is checked), so chains shrank
    /// to the symbol name; they must equal those of the image whose aranges
    /// cover everything.
    @Test func arangesOfAsmUnitsDoNotClaimTheC() throws {
        let asm: [String] = try ["first", "last"].map {
            try Fixtures.compile(".text\n.globl \($0)\n\($0):\n ret\n nop\n ret\n", name: "aranges-\($0)",
                                 flags: ["-g"], language: "assembler-with-cpp")
        }
        let source = Snippets.opsTable + """

            static inline __attribute__((always_inline)) void wrapped(unsigned long v) { paravirt_ops.write_cr3(v + 1); }
            void outer(unsigned long v) { wrapped(v); counter++; wrapped(v * 3); }
            """ + "\n" + Snippets.opsStubs
        let c = try Fixtures.compile(source, name: "aranges-c", flags: ["-O2", "-g", "-fno-pic"])
        let cStripped = Fixtures.scratchPath("aranges-c-stripped.o")
        let whole = Fixtures.scratchPath("aranges-whole.elf"), partial = Fixtures.scratchPath("aranges-partial.elf")
        defer { for f in [cStripped, whole, partial] { unlink(f) } }
        try Command.check(["objcopy", "--remove-section", ".debug_aranges", "--remove-section", ".rela.debug_aranges",
                           c, cStripped])
        let link = ["gcc", "-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs"]
        try Command.check(link + [asm[0], c, asm[1], "-o", whole])
        try Command.check(link + [asm[0], cStripped, asm[1], "-o", partial])
        // The shape: aranges name the two asm units, and the C code lies between them.
        let aranges = try Command.check(["readelf", "--debug-dump=aranges", partial])
        #expect(aranges.components(separatedBy: "Offset into .debug_info").count - 1 == 2)

        let a = try ObjectFile(path: whole), b = try ObjectFile(path: partial)
        let text = try #require(a.findSection(named: ".text")), textB = try #require(b.findSection(named: ".text"))
        #expect(text.size == textB.size)
        let first = try #require(a.symbols.first { $0.name == "outer" })
        let places = stride(from: first.value - text.address, to: text.size, by: 1).map { (section: text.index, offset: $0) }
        let placesB = places.map { (section: textB.index, offset: $0.offset) }
        let chainsA = try #require(try a.openDebugInfo()).inlineChains(places)
        let chainsB = try #require(try b.openDebugInfo()).inlineChains(placesB)
        #expect(chainsA.contains { $0.count >= 2 && $0.first?.function == "wrapped" })
        #expect(chainsA == chainsB)
    }
}
