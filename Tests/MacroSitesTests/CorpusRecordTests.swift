import X86
import MacroSites
import ELF
import SiteModel
import TestSupport
import Testing

/// The corpus's annotated objects, read back.
@Suite("Records of the corpus", .serialized)
struct CorpusRecordTests {
    /// Every C site is `call`/`jmp *paravirt_ops+off(%rip)` of exactly the
    /// recorded length (7 in the abs variant: `ff 14 25` + abs32); asm sites
    /// hold one such call or jump, possibly between register saves.
    @Test(arguments: ["kernel", "abs"])
    func sitesDecodeToTheirRecords(variant: String) throws {
        for source in CorpusFixture.corpus.sources {
            let path = try #require(CorpusFixture.object(source, variant, "-O2", .annotated))
            let file = try ObjectFile(path: path)
            let scan = try MacroScan(file: file, options: MacroOptions(sourcePositions: false))
            #expect(scan.layout == "clobbers")
            #expect(scan.findings.isEmpty, "\(source): \(scan.findings)")
            let reader = CodeReader(file: file)
            for site in scan.sites {
                #expect(site.kind == .call || site.kind == .jmp, "\(source): \(site.location)")
                let section = try #require(file.findSection(index: site.sectionIndex))
                let insn = try #require(reader.decode(section: section, offset: site.offset))
                if source.hasSuffix(".c") {
                    #expect(insn.length == site.length, "\(source): \(site.location)")
                    let mem = try #require(insn.memoryOperand)
                    #expect(variant == "abs" ? mem.isAbsolute : mem.isRIPRelative)
                    #expect(site.length == (variant == "abs" ? 7 : 6))
                }
                #expect(site.op.offset >= 0x18 && site.op.offset < 0x208)
            }
        }
    }

    /// Op names come from DWARF when the C names the table.
    @Test func opNamesFromDWARF() throws {
        let path = try #require(CorpusFixture.object("src/irq_loops.c", "kernel", "-O2", .plain))
        let info = try #require(try ObjectFile(path: path).openDebugInfo())
        let members = try #require(info.variableMembers(named: "paravirt_ops"))
        #expect(members.contains { $0.name == "irq_disable" && $0.offset == 0x128 })
    }
}
