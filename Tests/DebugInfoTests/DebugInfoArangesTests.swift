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
}
