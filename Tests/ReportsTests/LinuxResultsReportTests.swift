import CorpusBuild
import Compare
import Foundation
@testable import Pipeline
import RelocSites
@testable import Reports
@testable import Study
import Testing

/// A corpus study carrying several Linux results (6.1 with its three
/// scopes, recorded; a fake 6.99, this machine's own): every report leads
/// with all of them, shows each scope, and says in one line when there
/// are none.
@Suite("Linux results in the reports")
struct LinuxResultsReportTests {
    /// SyntheticStudy's -O2 and -Os rows relabelled as a kernel's, in `scopes`.
    static func kernelStudy(_ version: String, scopes: [Scope], date: String) -> StudyResult {
        var configs: [ConfigResult] = []
        for scope in scopes {
            for opt in ["-O2", "-Os"] {
                for retpoline in [Retpoline.on, .off] {
                    var c = SyntheticStudy.config(retpoline == .on ? "retpoline" : "kernel", opt,
                                                  scope == .vmlinux ? .linked : .object)
                    c = ConfigResult(compiler: c.compiler, variant: ConfigID.linuxVariant(kernel: version, retpoline: retpoline), opt: c.opt,
                                     link: c.link, textBytes: c.textBytes, policies: c.policies, control: c.control,
                                     controlSizeMismatchedAsm: c.controlSizeMismatchedAsm, references: c.references,
                                     clobbers: c.clobbers, keys: c.keys, ops: c.ops)
                    c.kernel = version
                    c.retpoline = retpoline
                    c.objects = scope == .vmlinux ? 1 : 10
                    c.scope = scope
                    configs.append(c)
                }
            }
        }
        var result = StudyResult(corpus: "the Linux \(version) A/B: linux-source-\(version) \(version).1-1, arch/x86/mm/",
                                 compilers: ["gcc": "gcc (Debian 12.2.0-14+deb12u1) 12.2.0"], skipped: [],
                                 configs: configs, examples: [], failures: [])
        result.tool = StudyResult.Tool(version: "v9-test", command: "pvsites kernel study --kernel \(version) --full", date: date)
        return result
    }

    static let two: StudyResult = {
        var r = SyntheticStudy.result
        r.linux = [LinuxResult(source: "Kernels/results/6.1-gcc.json",
                               result: kernelStudy("6.1", scopes: [.subset, .tree, .vmlinux], date: "2026-12-01T10:00:00Z"),
                               recorded: true),
                   LinuxResult(source: "/cache/results/study-6.99.json",
                               result: kernelStudy("6.99", scopes: [.subset], date: "2026-12-02T10:00:00Z"),
                               recorded: false)]
        return r
    }()

    static let headlines = [
        "Linux 6.1, gcc: subset, tree, vmlinux; recorded 2026-12-01",
        "Linux 6.99, gcc: subset; this machine's kernel study of 2026-12-02",
    ]

    @Test func textLeadsWithBoth() throws {
        let text = StudyTextReport(StudyReport(Self.two)).render()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Under the verdict (its own test: VerdictTests), the header and the bottom line.
        let start = try #require(lines.firstIndex(of: "")) + 1
        let headerEnd = try #require(lines[start...].firstIndex(of: ""))
        let head = Array(lines[start...].prefix(headerEnd - start + 1 + StudyTextReport.summaryLines))
        // Both, before the bottom line, each with its command.
        let bottom = try #require(head.firstIndex { $0.hasPrefix("Annotated C sites a scan finds") })
        for h in Self.headlines { #expect(head[..<bottom].contains("  " + h), "\(h)") }
        // Wrapped within 72 columns, the rest indented.
        let reproduce = try #require(head.firstIndex(of: "    reproduce (pvsites v9-test): pvsites kernel study --kernel 6.1"))
        #expect(head[reproduce + 1] == "      --full")
        #expect(head[..<bottom].contains("    pvsites kernel study --kernel 6.99 --full"))
        // The bottom line has rows of both versions: 6.1's whole tree, 6.99's subset.
        #expect(head.contains { $0.hasPrefix("  6.1 -O2 retpol. tree ") })
        #expect(head.contains { $0.hasPrefix("  Linux 6.99 -O2 retpol. ") })
        #expect(!head.contains { $0.hasPrefix("  Linux 6.1 -O2 retpol. ") }, "the subset gives way to the whole tree")
        // A table per version and scope, the Linux ones before the corpus's.
        let titles = lines.filter { $0.hasPrefix("Linux ") && $0.contains(" A/B, ") }
        // The subset's table gives way to the whole tree's (which holds
        // its objects) in the short report; --full has both.
        #expect(titles == ["Linux 6.1 A/B, gcc, whole tree", "Linux 6.1 A/B, gcc, vmlinux", "Linux 6.99 A/B, gcc, objects"])
        let full = StudyTextReport(StudyReport(Self.two, options: .init(full: true))).render()
        #expect(full.contains("\nLinux 6.1 A/B, gcc, objects"))
        let vmlinux = try #require(lines.firstIndex(of: "Linux 6.1 A/B, gcc, vmlinux"))
        #expect(lines[vmlinux + 3].hasPrefix("  -O2 "), "vmlinux rows named by their opt, not `ld`: \(lines[vmlinux + 3])")
        #expect(!lines[vmlinux].contains("(ld: linked"))
        #expect(lines.firstIndex { $0.hasPrefix("gcc, variant kernel") }! > vmlinux)
        for (n, line) in lines.enumerated() { #expect(line.count <= StudyTextReport.width, "line \(n + 1): \(line)") }
    }

    @Test func markdownLeadsWithBoth() throws {
        let md = StudyMarkdownReport(StudyReport(Self.two)).render()
        let bottom = try #require(md.range(of: "## Bottom line"))
        let before = md[..<bottom.lowerBound]
        #expect(before.contains("- Linux 6.1, gcc: subset, tree, vmlinux; recorded 2026-12-01, reproduce (pvsites v9-test): `pvsites kernel study --kernel 6.1 --full`"))
        #expect(before.contains("- Linux 6.99, gcc: subset; this machine's kernel study of 2026-12-02: `pvsites kernel study --kernel 6.99 --full`"))
        for t in ["### Linux 6.1 A/B, gcc, whole tree", "### Linux 6.1 A/B, gcc, vmlinux", "### Linux 6.99 A/B, gcc, objects"] {
            #expect(md.contains(t), "\(t)")
        }
    }

    @Test func htmlLeadsWithBoth() throws {
        let html = StudyHTMLReport(StudyReport(Self.two)).render()
        let bottom = try #require(html.range(of: "<section id=\"bottom-line\">"))
        let before = html[..<bottom.lowerBound]
        for h in Self.headlines { #expect(before.contains(HTML.escape(h)), "\(h)") }
        #expect(before.contains("<code>pvsites kernel study --kernel 6.99 --full</code>"))
        #expect(html.contains("<h3>Linux 6.1 A/B, gcc, whole tree</h3>"))
        #expect(html.contains("<h2>Linux 6.99 A/B</h2>"))
    }

    /// JSON: `linux` is an array, each result with its version, source,
    /// title, recorded, tool and configs (each with its scope); it reads
    /// back, and a study written when `linux` was one object still reads.
    @Test func jsonCarriesBoth() throws {
        let data = Data(try JSONOutput.encode(Self.two).utf8)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let linux = try #require(json["linux"] as? [[String: Any]])
        #expect(linux.map { $0["version"] as? String } == ["6.1", "6.99"])
        #expect(linux.map { $0["recorded"] as? Bool } == [true, false])
        #expect(linux.map { $0["source"] as? String } == ["Kernels/results/6.1-gcc.json", "/cache/results/study-6.99.json"])
        #expect((linux[0]["title"] as? String)?.hasPrefix("the Linux 6.1 A/B") == true)
        #expect((linux[0]["tool"] as? [String: String])?["command"] == "pvsites kernel study --kernel 6.1 --full")
        let scopes = (linux[0]["configs"] as? [[String: Any]])?.compactMap { $0["scope"] as? String }
        #expect(scopes.map { Set($0) } == ["subset", "tree", "vmlinux"])
        let back = try JSONDecoder().decode(StudyResult.self, from: data)
        #expect(back.linux?.count == 2)
        #expect(back.linux?[1].configs.count == 4)

        // The old shape: one object with source, title, configs.
        var old = json
        old["linux"] = ["source": "old.json", "title": "the Linux 6.1 A/B", "configs": linux[0]["configs"]!]
        let legacy = try JSONDecoder().decode(StudyResult.self, from: try JSONSerialization.data(withJSONObject: old))
        #expect(legacy.linux?.count == 1)
        #expect(legacy.linux?.first?.version == "6.1")
        #expect(legacy.linux?.first?.recorded == false)
    }

    /// Looked for and none found: one line in every report, the same; not
    /// looked for (`--no-linux`): none.
    @Test func noLinuxResultIsOneLine() throws {
        var none = SyntheticStudy.result
        none.linux = []
        let report = StudyReport(none)
        let renderings = [StudyTextReport(report).render(), StudyMarkdownReport(report).render(),
                          StudyHTMLReport(report).render()]
        for r in renderings {
            #expect(r.components(separatedBy: LinuxResult.noneLine).count == 2, "\(r.prefix(300))")
        }
        let text = renderings[0].split(separator: "\n").map(String.init)
        #expect(Array(text.prefix(5)).contains("  " + LinuxResult.noneLine))
        #expect(("  " + LinuxResult.noneLine).count <= StudyTextReport.width)
        #expect(!StudyTextReport(SyntheticStudy.report).render().contains(LinuxResult.noneLine))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try JSONOutput.encode(none).utf8)) as? [String: Any])
        #expect((json["linux"] as? [Any])?.isEmpty == true)
    }
}
