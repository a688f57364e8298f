import CorpusBuild
import Compare
import Foundation
import RelocSites
import SiteModel
@testable import Reports
@testable import Study
import TestSupport
import Testing
@testable import Pipeline
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The text, markdown and HTML reports of a small synthetic study (built
/// here, no compiler needed): goldens for text and markdown, and for HTML
/// well-formedness, self-containment, escaping and one chart per variant.
///
/// Re-record the goldens with `Golden.recordCommand`:
/// `PVSITES_RECORD_GOLDEN=1 swift test --filter ReportsTests.ReportTests`.
@Suite("Reports")
struct ReportTests {
    // MARK: Goldens

    @Test func textReportMatchesGolden() throws {
        try Golden.check(StudyTextReport(SyntheticStudy.report).render(), file: "study.txt")
    }

    @Test func markdownReportMatchesGolden() throws {
        try Golden.check(StudyMarkdownReport(SyntheticStudy.report).render(), file: "study.md")
    }

    /// A missing golden fails (unless recording), saying how to record it.
    @Test(.enabled(if: !Golden.recording)) func missingGoldenFails() throws {
        try withKnownIssue {
            try Golden.check("anything\n", file: "no-such-golden.txt")
        } matching: { issue in
            issue.comments.contains { $0.rawValue.hasSuffix("record it with " + Golden.recordCommand) }
        }
    }

    // MARK: Text

    @Test func textReportIsASCIIWithinSeventyTwoColumns() {
        let text = StudyTextReport(SyntheticStudy.report).render()
        #expect(text.utf8.allSatisfy { $0 < 0x80 }, "non-ASCII byte in the text report")
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            #expect(line.count <= StudyTextReport.width, "line \(n + 1) is \(line.count) columns: \(line)")
        }
        // The synthetic long source line was wrapped, not cut.
        #expect(!text.contains("..."))
        #expect(text.contains("seventy-two"))
    }

    // MARK: Markdown

    @Test func markdownIsASCIIAndItsTablesAreRectangular() throws {
        let md = StudyMarkdownReport(SyntheticStudy.report).render()
        #expect(md.utf8.allSatisfy { $0 < 0x80 }, "non-ASCII byte in the markdown report")
        // Every row of a table has as many cells as its header: escaped
        // pipes (`\|`) do not count.
        var expected: Int?
        var tables = 0, inCode = false
        for line in md.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") { inCode.toggle() }
            guard !inCode, line.hasPrefix("|") else { expected = nil; continue }
            let cells = Self.cellCount(String(line))
            if let expected {
                #expect(cells == expected, "\(line)")
            } else {
                expected = cells
                tables += 1
            }
        }
        // compilers, bottom line, 2 coverage tables (kernel's linked rows
        // inside its table), by op, causes.
        #expect(tables == 6)
        #expect(md.contains("`irq_enable` at `irq.c:12`"))
    }

    @Test func markdownEscapesInlineText() {
        #expect(Markdown.inline("a*b_c|d<e>") == "a\\*b\\_c\\|d\\<e\\>")
        #expect(Markdown.code("x`y") == "``x`y``")
        #expect(Markdown.code("a|b") == "`a\\|b`")
        #expect(Markdown.codeBlock(["```"]).first == "````")
        #expect(TextTable.ascii("caf\u{e9}\tx") == "caf?  x")
    }

    static func cellCount(_ row: String) -> Int {
        var count = 0, escaped = false
        for ch in row {
            if ch == "|" && !escaped { count += 1 }
            escaped = ch == "\\" && !escaped
        }
        return count - 1
    }

    // MARK: HTML

    @Test func htmlIsWellFormedXML() throws {
        let html = StudyHTMLReport(SyntheticStudy.report).render()
        let check = XMLCheck(Data(html.utf8))
        #expect(check.error == nil, "\(check.error ?? "")")
        #expect(check.elements["html"] == 1)
        // A coverage chart and a cause chart per variant.
        #expect(check.elements["svg"] == 2 * SyntheticStudy.variants.count)
        #expect(check.elements["table", default: 0] >= 4)
        #expect(check.elements["script", default: 0] == 0)
    }

    @Test func htmlIsSelfContained() {
        let html = StudyHTMLReport(SyntheticStudy.report).render()
        let rest = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!rest.contains("http://"))
        #expect(!rest.contains("https://"))
        for external in ["<script", "<link", "<img", "<iframe", "src=", "@import"] {
            #expect(!rest.contains(external), "\(external)")
        }
        // The only url() references are the charts' own patterns.
        #expect(rest.components(separatedBy: "url(").dropFirst().allSatisfy { $0.hasPrefix("#chart-") || $0.hasPrefix("#causes-") })
    }

    @Test func htmlHasOneChartPerVariant() {
        let html = StudyHTMLReport(SyntheticStudy.report).render()
        #expect(html.components(separatedBy: "<svg").count - 1 == 2 * SyntheticStudy.variants.count)
        for v in SyntheticStudy.variants { #expect(html.contains("<h2>variant \(v)</h2>")) }
        // Axis labels and legend: found and what each policy got wrong.
        #expect(html.contains("% of annotated"))
        #expect(html.contains("hatched: found at another length (size-mismatched)"))
        #expect(html.contains("% of annotated sites"))
        for p in ["naive", "decoded", "dataflow"] {
            #expect(html.contains(">\(p) found</text>"))
            #expect(html.contains(">\(p) misplaced + spurious</text>"))
        }
        #expect(html.contains("missed and spurious sites by cause"))
        #expect(html.contains("<section id=\"by-op\">"))
    }

    @Test func htmlEscapesText() {
        let html = StudyHTMLReport(SyntheticStudy.report).render()
        #expect(html.contains("if (flags &amp; X86_EFLAGS_IF &amp;&amp; a &lt; b) s = &quot;on&quot;;"))
        #expect(html.contains("&lt;stdin&gt;"))
        #expect(html.contains("caf&#233;"))
        #expect(!html.contains("a < b"))
        #expect(html.utf8.allSatisfy { $0 < 0x80 })
        #expect(HTML.escape("<a href='x'>&\"\u{1}") == "&lt;a href=&#39;x&#39;&gt;&amp;&quot;?")
    }

    /// Per policy two bars: found (size-mismatched hatched) and what the
    /// policy got wrong (misplaced and spurious, solid: hatching has one
    /// meaning), percentages of the annotated sites, labelled in percent
    /// as the axis. Linked rows appear where they differ.
    @Test func chartBarsAreCoverage() throws {
        let r = SyntheticStudy.result
        let tables = SyntheticStudy.report.tables.filter { $0.variant == "kernel" }
        let chart = StudyHTMLReport(SyntheticStudy.report).chart(title: "variant kernel", index: 1, tables: tables)
        #expect(chart.panels.map(\.title) == ["gcc"])
        #expect(chart.panels[0].groups.map(\.label) == ["-O0", "-O2", "ld -O2", "-Os", "ld -Os"])
        let row = try #require(r.configs.first { $0.variant == "kernel" && $0.opt == "-O2" && $0.link == .object })
        let c = try #require(row.policies[.dataflow])
        let bars = chart.panels[0].groups[1].bars
        #expect(bars.count == 6)
        let found = try #require(bars[4]), wrong = try #require(bars[5])
        let base = Double(c.annotated)
        #expect(abs(found.solid - Double(c.found - c.sizeMismatched) / base * 100) < 1e-9)
        #expect(abs(found.hatched - Double(c.sizeMismatched) / base * 100) < 1e-9)
        #expect(abs(wrong.solid - Double(c.misplaced + c.realSpurious) / base * 100) < 1e-9)
        #expect(wrong.hatched == 0)
        #expect(found.label.hasSuffix("%"))
        #expect(wrong.label == StudyHTMLReport.wholePercent(c.misplaced + c.realSpurious, of: c.annotated))
    }

    @Test func everyFormatRenders() throws {
        let r = SyntheticStudy.result
        #expect(try ReportFormat.text.render(r).hasPrefix("pvsites study of Synthetic"))
        #expect(try ReportFormat.markdown.render(r).hasPrefix("# pvsites study of Synthetic"))
        #expect(try ReportFormat.html.render(r).hasPrefix("<!DOCTYPE html>"))
        let json = try ReportFormat.json.render(r)
        let decoded = try JSONDecoder().decode(StudyResult.self, from: Data(json.utf8))
        #expect(try ReportFormat.markdown.render(decoded) == ReportFormat.markdown.render(r))
    }

    /// Headless Chromium draws the page (skipped where Chromium is absent;
    /// `make test` does not install it). The page and its screenshot stay
    /// in the fixture cache, `report-synthetic.{html,png}`, for a look.
    @Test(.enabled(if: Chromium.path != nil, "chromium is not installed"))
    func htmlRendersInChromium() throws {
        let chromium = try #require(Chromium.path)
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-chromium-\(getpid())")
        defer { try? FileManager.default.removeItem(at: profile) }
        let page = URL(fileURLWithPath: Fixtures.cacheDirectory).appendingPathComponent("report-synthetic.html")
        let png = page.deletingPathExtension().appendingPathExtension("png")
        try? FileManager.default.removeItem(at: png)
        try StudyHTMLReport(SyntheticStudy.report).render().write(to: page, atomically: true, encoding: .utf8)
        let r = try Command.run(["timeout", "120", chromium, "--headless", "--no-sandbox", "--disable-gpu",
                                 "--user-data-dir=\(profile.path)", "--screenshot=\(png.path)",
                                 "--window-size=1200,1600", page.absoluteString])
        #expect(r.status == 0, "\(r.stderr)")
        let data = try Data(contentsOf: png)
        #expect(data.starts(with: [0x89, 0x50, 0x4e, 0x47]))
        // A blank 1200x1600 page compresses to a few kilobytes.
        #expect(data.count > 30_000, "\(data.count) bytes")
    }
}

// MARK: - Helpers

enum Chromium {
    static let path: String? = {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser"] {
                let p = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: p) { return p }
            }
        }
        return nil
    }()
}

/// Golden files next to this source, under `Golden/`.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
    static var recording: Bool { ProcessInfo.processInfo.environment["PVSITES_RECORD_GOLDEN"] == "1" }
    /// The one command that re-records them (this module, this suite).
    static let recordCommand = "PVSITES_RECORD_GOLDEN=1 swift test --filter ReportsTests.ReportTests"

    static func check(_ actual: String, file: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let url = directory.appendingPathComponent(file)
        if recording {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            let message = "missing golden \(url.path); record it with \(recordCommand)"
            Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
            return
        }
        guard actual != expected else { return }
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let n = (0 ..< min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
        Issue.record(Comment(rawValue: """
            \(file) differs from the golden at line \(n + 1):
              golden: \(n < e.count ? String(e[n]) : "<end>")
              actual: \(n < a.count ? String(a[n]) : "<end>")
            re-record with \(recordCommand) if the change is intended
            """), sourceLocation: sourceLocation)
    }
}

/// Parses a document with Foundation's XMLParser: the first error, and
/// how many elements of each name.
final class XMLCheck: NSObject, XMLParserDelegate {
    private(set) var error: String?
    private(set) var elements: [String: Int] = [:]

    init(_ data: Data) {
        super.init()
        let parser = XMLParser(data: data)
        parser.delegate = self
        if !parser.parse(), error == nil {
            error = "line \(parser.lineNumber): \(parser.parserError.map { "\($0)" } ?? "parse failed")"
        }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements[name, default: 0] += 1
    }

    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) {
        if error == nil { error = "line \(parser.lineNumber), column \(parser.columnNumber): \(parseError)" }
    }
}

/// A small study with every part of a report: two variants (one with
/// objects only), three opt levels given out of order, control with asm
/// register saves, causes, examples with markup characters, a long line and
/// a non-ASCII one, a skipped compiler and a build failure.
enum SyntheticStudy {
    static let variants = ["kernel", "retpoline"]

    /// Counts whose found and missed add up to `annotated`: matched is
    /// what the other outcomes leave.
    static func counts(annotated: Int, size: Int = 0, kind: Int = 0, clobber: Int = 0,
                       missed: [String: Int] = [:], spurious: [String: Int] = [:], inlining: Int = 0) -> Counts {
        var c = Counts()
        c.annotated = annotated
        c.sizeMismatched = size
        c.kindMismatched = kind
        c.clobberUnsafe = clobber
        c.missed = missed.values.reduce(0, +)
        c.spurious = spurious.values.reduce(0, +)
        c.matched = annotated - size - kind - clobber - c.missed
        // Patchable in place: the found sites of the call's own length (a
        // size- or kind-mismatched site is not).
        c.patchable = c.found - size - kind
        c.scanned = c.found + c.spurious
        c.inliningMatched = inlining
        c.missedCopiesDiffer = missed["copies-differ"] ?? 0
        c.spuriousCopiesDiffer = spurious["copies-differ"] ?? 0
        c.spuriousUnannotatedCall = spurious["unannotated-call"] ?? 0
        c.spuriousNonCall = spurious["non-call"] ?? 0
        c.causes = Dictionary(uniqueKeysWithValues: missed.merging(spurious, uniquingKeysWith: +).filter { $0.value > 0 }
            .map { (Cause(rawValue: $0.key)!, $0.value) })
        return c
    }

    /// Numbers that differ by variant, opt and link.
    static func config(_ variant: String, _ opt: String, _ link: LinkForm) -> ConfigResult {
        let o = ["-O0": 0, "-O2": 2, "-Os": 3][opt]!
        let retpoline = variant == "retpoline"
        let linked = link == .linked ? 1 : 0
        let annotated = 40 + 4 * o
        let copies = o == 2 ? 2 : 0
        let naive = counts(annotated: annotated, size: 2, missed: ["no-reference": 4, "copies-differ": copies],
                           spurious: ["non-call": 5 + o, "copies-differ": copies])
        let decodedMissed = retpoline ? annotated - 8 - copies : (o == 0 ? 30 : 3 + linked)
        let decoded = counts(annotated: annotated, size: 2, kind: o, clobber: 2 - o / 2,
                             missed: retpoline ? ["retpoline-thunk": decodedMissed, "copies-differ": copies]
                                 : ["pointer-in-register": decodedMissed - 1, "no-reference": 1, "copies-differ": copies],
                             spurious: ["copies-differ": copies], inlining: o / 2)
        let dataflowSize = retpoline ? annotated - 12 : (o == 0 ? 28 : 3)
        let dataflow = counts(annotated: annotated, size: dataflowSize, kind: o, clobber: 2,
                              missed: ["no-reference": 1, "copies-differ": copies],
                              spurious: ["copies-differ": copies, "unannotated-call": o == 3 ? 1 : 0], inlining: o / 2)
        let control = counts(annotated: annotated + 4, size: 4)
        return ConfigResult(
            compiler: "gcc", variant: variant, opt: opt, link: link,
            textBytes: .init(annotated: 1000 + 10 * o, plain: 990 - 30 * o + (retpoline ? 40 : 0)),
            policies: [.naive: naive, .decoded: decoded, .dataflow: dataflow],
            control: control, controlSizeMismatchedAsm: 4,
            references: .init(total: 60 + o, byUse: [.callMem: 30, .jmpMem: o, .load: 20, .undecodable: 0],
                              confirmedBySweep: 60 + o, viaGOT: 0, relaxed: 0),
            clobbers: .init(annotatedC: annotated - 4, annotatedAsm: 4, narrowC: 6, narrowAsm: 3),
            keys: [:], ops: ops(annotated, decodedMissed: decodedMissed, retpoline: retpoline))
    }

    /// Two ops sharing the sites: irq_disable gets the misses.
    static func ops(_ annotated: Int, decodedMissed: Int, retpoline: Bool) -> [OpTally] {
        func t(_ found: Int, _ missed: Int, _ cause: Cause) -> OpTally.PolicyTally {
            var p = OpTally.PolicyTally()
            p.found = found
            p.missed = missed
            if missed > 0 { p.causes = [cause: missed] }
            return p
        }
        let half = annotated / 2
        let decodedMissed = min(decodedMissed, half)
        let cause: Cause = retpoline ? .retpolineThunk : .register
        return [OpTally(op: Op(offset: 0x10, name: "irq_disable"), annotated: half,
                        policies: [.naive: t(half - 4, 4, .noReference), .decoded: t(half - decodedMissed, decodedMissed, cause),
                                   .dataflow: t(half - 1, 1, .noReference)]),
                OpTally(op: Op(offset: 0x18, name: "irq_enable"), annotated: annotated - half,
                        policies: [.naive: t(annotated - half, 0, .noReference), .decoded: t(annotated - half, 0, cause),
                                   .dataflow: t(annotated - half, 0, .noReference)])]
    }

    static let result: StudyResult = {
        var configs: [ConfigResult] = []
        for variant in variants {
            for link in variant == "kernel" ? [LinkForm.object, .linked] : [.object] {
                for opt in ["-O2", "-O0", "-Os"] { configs.append(config(variant, opt, link)) }
            }
        }
        let examples = [
            Example(outcome: .missed, cause: .register, config: "gcc kernel -O2 object", policy: .decoded,
                    op: "irq_enable", location: "irq.o: .text+0x4", position: "irq.c:12",
                    sourceLine: "if (flags & X86_EFLAGS_IF && a < b) s = \"on\";",
                    instructions: ["  local_irq_restore+0x0: movq (%rip), %rax", "> local_irq_restore+0x7: callq *%rax",
                                   "  local_irq_restore+0x9: retq"],
                    lengths: nil),
            Example(outcome: .sizeMismatched, cause: nil, config: "gcc retpoline -Os object", policy: .dataflow,
                    op: "flush_tlb_single", location: "mm.o: .text+0x20", position: "paravirt.h:170",
                    sourceLine: "PVOP_VCALL1(flush_tlb_single, addr); /* caf\u{e9}: the one line here that is longer than seventy-two columns */",
                    instructions: ["  flush_one+0x1b: movq (%rip), %rax", "> flush_one+0x22: callq __x86_indirect_thunk_rax"],
                    lengths: "6 vs 5"),
            Example(outcome: .spurious, cause: .unannotatedCall, config: "gcc kernel -Os linked", policy: .dataflow,
                    op: "halt", location: "image: 0xffffffff81000120", position: "idle.c:7",
                    sourceLine: "", instructions: ["> cpu_idle+0x20: callq *0x80(%rax)"], lengths: nil),
        ]
        return StudyResult(
            corpus: "Synthetic",
            compilers: ["gcc": "gcc (Debian 12.2.0-14+deb12u1) 12.2.0"],
            skipped: [SkippedCompiler(compiler: "clang-16", reason: "clang-16 is not installed")],
            configs: configs, examples: examples,
            failures: [BuildFailure(configuration: BuildConfiguration(compiler: "gcc", variant: "kernel", opt: "-O2"),
                                    mode: .plain, file: "src/bad.c",
                                    message: "<stdin>:3: error: expected ';' before '}' token")])
    }()

    static let report = StudyReport(result)
}
