import Compare
import Foundation
@testable import Pipeline
import RelocSites
@testable import Reports
@testable import Study
import Testing

/// The verdict the reports open with: at most ten sentences, Linux
/// first, each naming its scope and its unit, its numbers those of the
/// JSON's configuration it speaks for.
@Suite("Verdict")
struct VerdictTests {
    /// The integers a sentence states after its scope, percentages
    /// (`99.5%`) left out.
    static func numbers(_ text: String, after scope: String) -> [Int] {
        let start = text.range(of: scope)?.upperBound ?? text.startIndex
        let rest = String(text[start...]).replacing(/[0-9]+(\.[0-9]+)?%/, with: "")
        return rest.split { !$0.isASCII || !$0.isNumber }.compactMap { Int($0) }
    }

    /// `configs[i]` of a JSON result as a dictionary, by what the row is.
    static func jsonConfig(_ configs: [[String: Any]], kernel: String?, opt: String, retpoline: String?, scope: String?,
                           variant: String? = nil) throws -> [String: Any] {
        try #require(configs.first {
            $0["kernel"] as? String == kernel && $0["opt"] as? String == opt && $0["retpoline"] as? String == retpoline
                && $0["scope"] as? String == scope && ($0["form"] as? String ?? "plain") == "plain"
                && (variant == nil || $0["variant"] as? String == variant)
                && (scope != nil || $0["link"] as? String == "object")
        })
    }

    static func policy(_ c: [String: Any], _ p: String) throws -> [String: Any] {
        try #require((c["policies"] as? [String: [String: Any]])?[p])
    }

    @Test func linuxFirstEachWithUnitScopeAndTheJSONsNumbers() throws {
        let report = StudyReport(LinuxResultsReportTests.two)
        let sentences = report.verdict.sentences
        #expect(sentences.count <= Verdict.maxSentences)
        #expect(sentences.first?.text.hasPrefix("Linux 6.1, whole kernel (10 objects), gcc -O2: retpolines off, ") == true)
        // Linux before the corpus.
        let firstCorpus = try #require(sentences.firstIndex { $0.scope.hasPrefix("Corpus") })
        #expect(sentences[..<firstCorpus].allSatisfy { $0.scope.hasPrefix("Linux") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try JSONOutput.encode(LinuxResultsReportTests.two).utf8))
            as? [String: Any])
        let linux = try #require(json["linux"] as? [[String: Any]])
        for s in sentences {
            #expect(s.unit == "sites" || s.unit == nil)
            if s.unit != nil {
                #expect(s.text.contains(" sites"), "\(s.text)")
                #expect(s.text.hasPrefix(s.scope + ": "), "\(s.text)")
            }
            guard let c = s.configs.first else { continue }
            let n = Self.numbers(s.text, after: s.scope)
            if c.kernel != nil {
                // Each retpoline setting's clause in turn: its numbers, then
                // (the whole tree) its vmlinux row's.
                var expected: [Int] = []
                for c in s.configs {
                    let kernel = try #require(c.kernel)
                    let configs = try #require(linux.first { $0["version"] as? String == kernel }?["configs"] as? [[String: Any]])
                    let row = try Self.jsonConfig(configs, kernel: kernel, opt: c.opt, retpoline: c.retpoline?.rawValue,
                                                  scope: c.scope?.rawValue)
                    let f = try Self.policy(row, "dataflow"), d = try Self.policy(row, "decoded")
                    expected += [f["annotated"], f["found"], f["patchable"], d["found"]].compactMap { $0 as? Int }
                    if let top = Verdict.topCause(c.policies[.decoded]!), (d["found"] as! Int) < (d["annotated"] as! Int) {
                        let causes = try #require(d["causes"] as? [String: Int])
                        expected.append(try #require(causes[top.cause.rawValue]))
                    }
                    if c.scope == .tree {
                        let v = try Self.policy(try Self.jsonConfig(configs, kernel: kernel, opt: c.opt,
                                                                    retpoline: c.retpoline?.rawValue, scope: "vmlinux"), "dataflow")
                        expected += [v["found"], v["annotated"], v["patchable"]].compactMap { $0 as? Int }
                    }
                }
                #expect(n == expected, "\(s.text)")
                #expect(s.configs.map(\.retpoline) == [.off, .on], "\(s.text)")
            } else {
                let configs = try #require(json["configs"] as? [[String: Any]])
                let row = try Self.jsonConfig(configs, kernel: nil, opt: c.opt, retpoline: nil, scope: nil, variant: c.variant)
                let d = try Self.policy(row, "decoded"), f = try Self.policy(row, "dataflow")
                // SyntheticStudy has no by_source: C and asm together, said so.
                #expect(s.text.contains("(C and asm together)"))
                #expect(n == [d["annotated"], d["found"], d["patchable"], f["found"], f["patchable"]].compactMap { $0 as? Int },
                        "\(s.text)")
            }
        }
        // Eight configurations (6.1 and 6.99, -O2 and -Os, retpolines off
        // and on): a sentence per version and level, none left out.
        let scopes = sentences.filter { !$0.configs.isEmpty && $0.configs[0].kernel != nil }.map(\.scope)
        #expect(scopes == ["Linux 6.1, whole kernel (10 objects), gcc -O2", "Linux 6.1, whole kernel (10 objects), gcc -Os",
                           "Linux 6.99, a subset of 10 objects, gcc -O2", "Linux 6.99, a subset of 10 objects, gcc -Os"])
        #expect(!sentences.contains { $0.text.contains("more Linux configurations") })
    }

    /// The text report opens with them, wrapped within 72 columns.
    @Test func textOpensWithTheVerdict() throws {
        let text = StudyTextReport(StudyReport(LinuxResultsReportTests.two)).render()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[1] == StudyReport.Heading.verdict + ":")
        let first = try #require(lines.firstIndex { $0.hasPrefix("  ") })
        #expect(first <= 3)
        #expect(lines[first].hasPrefix("  Linux 6.1, whole kernel (10 objects), gcc -O2: retpolines off, "))
        for line in lines { #expect(line.count <= StudyTextReport.width, "\(line)") }
        let md = StudyMarkdownReport(StudyReport(LinuxResultsReportTests.two)).render()
        #expect(md.contains("\n- Linux 6.1, whole kernel (10 objects), gcc -O2: retpolines off, "))
        let html = StudyHTMLReport(StudyReport(LinuxResultsReportTests.two)).render()
        let verdict = try #require(html.range(of: "<section id=\"verdict\">"))
        #expect(html.range(of: "<section id=\"bottom-line\">").map { verdict.lowerBound < $0.lowerBound } == true)
    }

    /// Without Linux results the first sentence says so and gives the command.
    @Test func noLinuxIsTheFirstSentence() {
        var none = SyntheticStudy.result
        none.linux = []
        let v = StudyReport(none).verdict
        #expect(v.sentences.first?.text == LinuxResult.noneLine)
        #expect(v.sentences.first?.text.contains("pvsites kernel study") == true)
        #expect(v.sentences.dropFirst().allSatisfy { $0.scope.hasPrefix("Corpus") && $0.unit == "sites" })
    }
}
