import Compare
import Foundation
import Pipeline
import RelocSites
import Reports
import Study
import TestSupport
import Testing

/// C and hand-written asm apart (`by_source`): on the corpus objects the
/// study compared, the two add up to each policy's counts, and their
/// annotated sites are the records readelf finds in C and in `.S` objects.
@Suite("C and asm apart", .serialized)
struct BySourceTests {
    @Test func cAndAsmAddUpToTheTotal() throws {
        let objects = StudyRunTests.result.configs.filter { $0.link == .object }
        try #require(!objects.isEmpty)
        for c in objects {
            let counted = try StudyRunTests.counted(c)
            for p in Policy.allCases {
                let total = try #require(c.policies[p], "\(c.name) \(p)")
                let split = try #require(total.bySource, "\(c.name) \(p): no by_source")
                let sum = try #require(split[.c]) + (try #require(split[.asm]))
                var bare = total
                bare.bySource = nil
                var summed = sum
                summed.bySource = nil
                #expect(summed == bare, "\(c.name) \(p)")
                #expect(split[.c]?.annotated == counted.annotatedC, "\(c.name) \(p): C records per readelf")
                #expect(split[.asm]?.annotated == counted.annotatedAsm, "\(c.name) \(p): .S records per readelf")
                #expect(split[.c]?.patchable != nil && split[.asm]?.patchable != nil, "\(c.name) \(p)")
            }
        }
    }

    /// Each corpus table says how many of its annotated sites are
    /// hand-written asm (readelf's records in .S objects) and whether
    /// every policy finds them.
    @Test func tablesSayWhereTheAsmSitesAre() throws {
        let report = StudyReport(StudyRunTests.result)
        let t = try #require(report.tables.first { $0.variant == "kernel" && $0.kernel == nil })
        let line = try #require(t.asmLine)
        let asm = try StudyRunTests.counted(try StudyRunTests.config("kernel", "-O2")).annotatedAsm
        #expect(asm > 0)
        #expect(line.hasPrefix("asm sites in ann: ") && line.contains("\(asm)"), "\(line)")
        let text = StudyTextReport(report).render()
        #expect(text.contains("  " + line), "the text report prints it under the table")
    }

    /// The JSON names them `by_source.c` and `by_source.asm`, with the
    /// same fields as the policy's counts, and reads them back.
    @Test func jsonHasBySource() throws {
        let data = try JSONEncoder().encode(StudyRunTests.result)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let configs = try #require(json["configs"] as? [[String: Any]])
        let policies = try #require(configs.first?["policies"] as? [String: [String: Any]])
        let decoded = try #require(policies["decoded"])
        let split = try #require(decoded["by_source"] as? [String: [String: Any]])
        #expect(Set(split.keys) == ["c", "asm"])
        let fields = Set(decoded.keys).subtracting(["by_source"])
        #expect(Set(try #require(split["c"]).keys) == fields)
        let back = try JSONDecoder().decode(StudyResult.self, from: data)
        #expect(back.configs.first?.policies[.decoded]?.bySource == StudyRunTests.result.configs.first?.policies[.decoded]?.bySource)
    }
}
