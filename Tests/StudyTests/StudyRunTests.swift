import Reports
import Compare
import Foundation
import Study
import TestSupport
import Testing

/// The study on the fixture slice of the corpus.
@Suite("Study", .serialized)
struct StudyRunTests {
    static let result: StudyResult = {
        let runner = StudyRunner(corpus: CorpusFixture.corpus, cacheDirectory: CorpusFixture.cacheDirectory)
        do { return try runner.run(CorpusFixture.configurations) } catch { fatalError("\(error)") }
    }()

    static func config(_ variant: String, _ opt: String, _ link: String = "object") throws -> ConfigResult {
        try #require(result.configs.first { $0.variant == variant && $0.opt == opt && $0.link == link })
    }

    @Test func noFailures() {
        #expect(Self.result.failures.isEmpty, "\(Self.result.failures.map(\.line))")
        #expect(Self.result.configs.count == CorpusFixture.configurations.count * 2)
    }

    /// The control: the scan on the annotated build finds every site; the
    /// only length differences are asm sites with register saves inside.
    @Test func controlFindsEverything() {
        for c in Self.result.configs {
            #expect(c.control.missed == 0, "\(c.name)")
            #expect(c.control.spurious == 0, "\(c.name)")
            #expect(c.control.sizeMismatched == c.controlSizeMismatchedAsm, "\(c.name)")
        }
    }

    /// What decoded misses, dataflow recovers, as size-mismatched sites.
    @Test(arguments: ["-O0", "-O2"])
    func dataflowRecoversWhatDecodedMisses(opt: String) throws {
        for variant in ["kernel", "retpoline", "pic", "ro-ops"] {
            let c = try Self.config(variant, opt)
            let decoded = try #require(c.policies["decoded"]), dataflow = try #require(c.policies["dataflow"])
            #expect(dataflow.realMissed <= decoded.realMissed, "\(c.name)")
            #expect(dataflow.found >= decoded.found, "\(c.name)")
            if decoded.realMissed > 20 {
                #expect(dataflow.sizeMismatched > decoded.sizeMismatched, "\(c.name)")
            }
        }
        let o0 = try Self.config("kernel", "-O0")
        #expect(try #require(o0.policies["decoded"]).realMissed > 100)
    }

    @Test func objectionsAnswered() {
        #expect(Self.result.objections.map(\.number) == [1, 2, 3, 4, 5])
        for o in Self.result.objections { #expect(o.answer.contains { $0.isNumber }) }
    }

    @Test func textReportFitsMail() {
        let text = StudyTextReport(Self.result).render()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            #expect(line.count <= 72, "\(line)")
            #expect(line.unicodeScalars.allSatisfy { $0.isASCII }, "\(line)")
        }
        #expect(text.contains("variant kernel, objects"))
        #expect(text.contains("The five objections"))
    }

    @Test func jsonContract() throws {
        let json = try JSONOutput.encode(Self.result)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? Int == 1)
        let summary = try #require(object["summary"] as? [String: Any])
        for key in ["annotated", "matched", "missed", "spurious", "size_mismatched", "kind_mismatched", "clobber_unsafe"] {
            #expect(summary[key] is Int, "summary.\(key)")
        }
        let configs = try #require(object["configs"] as? [[String: Any]])
        let first = try #require(configs.first)
        for key in ["compiler", "variant", "opt", "link", "text_bytes", "policies", "control"] {
            #expect(first[key] != nil, "configs[].\(key)")
        }
        let policies = try #require(first["policies"] as? [String: Any])
        #expect(Set(policies.keys) == ["naive", "decoded", "dataflow"])
        // Round trip.
        let back = try JSONDecoder().decode(StudyResult.self, from: Data(json.utf8))
        #expect(back.summary == Self.result.summary)
    }
}
