import Foundation
import ELF
import TestSupport
import Testing

/// `ObjectFile.relocations(patching:)`: each section's relocations by
/// offset, looked up by range, checked against `readelf -rW`.
@Suite("Relocation index by section and offset")
struct RelocationIndexTests {
    static func object() throws -> String {
        try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
    }

    static func image() throws -> String {
        try Fixtures.compile(Snippets.opsTable + "\n" + Snippets.opsStubs,
                             name: "ops-exe", flags: ["-O2", "-g", "-fno-pic"],
                             link: ["-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs"])
    }

    /// Every patched section: the index holds readelf's entries of its
    /// relocation section, by offset; each is found at its offset and by
    /// a range that starts before it; the bytes between two are empty.
    @Test(arguments: ["object", "image"])
    func everyEntryFoundByItsRange(kind: String) throws {
        let path = kind == "object" ? try Self.object() : try Self.image()
        let file = try ObjectFile(path: path)
        let listed = try readelfRelocations(path)
        var checked = 0
        for rs in file.relocationSections where rs.targetIndex != 0 {
            let section = file.sections[rs.targetIndex]
            let bias = file.isRelocatable || !section.isAllocated ? 0 : section.address
            let want = listed.filter { $0.section == rs.section.name && $0.type != "R_X86_64_NONE" }
                .map { $0.offset - bias }.sorted()
            let index = try file.relocations(patching: section)
            #expect(index.entries.map(\.offset) == want, "\(rs.section.name)")
            #expect(index.all(in: 0 ..< section.size).count == want.count, "\(rs.section.name)")
            for (k, at) in want.enumerated() {
                #expect(index.find(at: at)?.offset == at)
                #expect(index.find(in: at.saturatingDown(3) ..< at + 1)?.offset == want.first { $0 >= at.saturatingDown(3) })
                let next = k + 1 < want.count ? want[k + 1] : section.size
                if next > at + 1 { #expect(index.find(in: at + 1 ..< next) == nil, "\(rs.section.name) after \(hex(at))") }
                checked += 1
            }
        }
        #expect(checked > 10)
    }

    /// A bad entry in a section nobody scans is raised by the index, for
    /// every caller, instead of leaving the section without relocations.
    @Test func readErrorRaisedForEveryCaller() throws {
        let good = try ELFBytes(path: Self.object())
        let rela = try #require(good.findSection(named: ".rela.text"))
        var b = good
        b.write(good.sectionFileOffset(rela), UInt64(0x7fff_ffff))  // entry 0's r_offset
        let path = Fixtures.scratchPath("index-roff")
        try b.write(to: path)
        defer { unlink(path) }
        let file = try ObjectFile(path: path)
        let text = try #require(file.findSection(named: ".text"))
        for _ in 0 ..< 2 {
            let error = #expect(throws: ObjectFileError.self) { try file.relocations(patching: text) }
            guard case .relocationIndexOutOfRange(path, 0, let context)? = error else {
                Issue.record("expected relocation 0 out of range, got \(String(describing: error))")
                return
            }
            #expect(context.hasPrefix(".rela.text: r_offset 0x7fffffff"))
        }
    }

    /// R_X86_64_NONE patches nothing (Linux's sorttable leaves a vmlinux's
    /// `__ex_table` relocations NONE at r_offset 0): it reads without an
    /// error and no lookup finds it.
    @Test func noneIsReadButNotIndexed() throws {
        let good = try ELFBytes(path: Self.object())
        let rela = try #require(good.findSection(named: ".rela.text"))
        var b = good
        let entry = good.sectionFileOffset(rela)
        b.write(entry, UInt64(0x7fff_ffff))
        b.write(entry + 8, UInt64(0))  // r_info: symbol 0, R_X86_64_NONE
        let path = Fixtures.scratchPath("index-none")
        try b.write(to: path)
        defer { unlink(path) }
        let file = try ObjectFile(path: path)
        let text = try #require(file.findSection(named: ".text"))
        let rs = try #require(file.relocationSections(for: text.index).first)
        let all = try file.readRelocations(rs)
        #expect(all.count == rs.count)
        #expect(all[0].type == .none)
        let index = try file.relocations(patching: text)
        #expect(index.count == rs.count - 1)
        #expect(!index.entries.contains { $0.index == 0 })
    }

    /// Entries out of order (a hand-made section) are sorted; two at one
    /// offset keep their order.
    @Test func unsortedEntriesAreSorted() {
        func r(_ i: Int, _ at: UInt64) -> Relocation {
            Relocation(index: i, rawOffset: at, offset: at, type: .pc32, symbolIndex: 1, addend: 0)
        }
        let index = RelocationIndex([r(0, 8), r(1, 0), r(2, 8), r(3, 4)])
        #expect(index.entries.map(\.index) == [1, 3, 0, 2])
        #expect(index.find(at: 8)?.index == 0)
        #expect(index.all(in: 4 ..< 9).map(\.index) == [3, 0, 2])
        #expect(index.find(in: 5 ..< 8) == nil)
        #expect(index.find(at: .max) == nil)
    }
}

private extension UInt64 {
    func saturatingDown(_ n: UInt64) -> UInt64 { self >= n ? self - n : 0 }
}
