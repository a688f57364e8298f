import CorpusBuild
import ELF
import Pipeline
import SiteModel
import TestSupport
import Testing

/// `pvsites compare --annotated A --plain P` gives no names: the ops are
/// named from both builds' own DWARF (`OpNames.crossBuild`). In the direct
/// form neither side may describe the table variable (the direct object
/// calls trampolines, the annotated one names the table only inside asm),
/// but the direct object's DWARF still has the table's struct type; the
/// names must be the table's, as the linked image that defines it
/// (`paravirt_ops`, 66 fields) has them. Before the resolver a direct
/// pair was named only from the table variable's DWARF of either build:
/// `merged_calls.c` printed `+0x188` for `write_cr3`.
@Suite("Op names across builds")
struct CrossBuildNamesTests {
    @Test(arguments: CorpusFixture.directConfigurations)
    func directPairsNameTheirOpsAsTheTableDoes(_ configuration: BuildConfiguration) throws {
        let direct = try #require(CorpusFixture.build.find(configuration, .direct), "\(configuration): no direct build")
        let annotated = try #require(CorpusFixture.build.find(configuration, .annotated))
        let image = try ObjectFile(path: try #require(direct.image, "\(configuration): no direct image"))
        let table = try #require(OpsTable(file: image, debugInfo: try image.openDebugInfo())).members
        try #require(table.count == 66, "\(configuration): \(table.count) fields")
        var named = 0, mustNameSites = 0
        for d in direct.objects {
            guard let a = annotated.objects.first(where: { $0.source == d.source }) else { continue }
            let analysis = try Analysis(annotated: try ObjectFile(path: a.path), plain: try ObjectFile(path: d.path),
                                        policies: [.decoded])
            // merged_calls.c's direct object describes the table's struct
            // type, and neither object the table variable: every op is
            // named (from the type). Elsewhere an op neither build
            // describes stays unnamed (a .S file; a C file that only
            // declares the struct), but a name is never wrong.
            let mustName = d.source.hasSuffix("merged_calls.c")
            for s in analysis.annotated + analysis.scans[.decoded]!.sites where table[s.op.offset] != nil {
                if mustName || s.op.name != nil {
                    #expect(s.op.name == table[s.op.offset], "\(d.source) \(s.location): \(s.op)")
                }
                if s.op.name != nil { named += 1 }
                if mustName { mustNameSites += 1 }
            }
        }
        #expect(named > 0 && mustNameSites > 0, "\(named) named, \(mustNameSites) in merged_calls.c")
    }
}
