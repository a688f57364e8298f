import Study
import Compare
import CorpusBuild
import Foundation
import RelocSites

/// The study as GitHub-flavoured markdown, for issues and pull requests:
/// the text report's content (tables per variant and link form, the
/// control, the causes, the five objections, examples) as markdown tables
/// and code blocks. Plain ASCII, stable order.
///
/// The sections are laid out here once (`groups`, `causeRows`,
/// `controlSentence`); the HTML report renders the same sections.
public struct StudyMarkdownReport {
    let result: StudyResult

    public init(_ result: StudyResult) { self.result = result }

    public func render() -> String {
        var out: [String] = []
        out.append("# pvsites study of \(Self.inline(result.corpus))")
        out.append("")
        if !result.compilers.isEmpty || !result.skipped.isEmpty {
            out.append("| compiler | version |")
            out.append("|---|---|")
            for (name, version) in result.compilers.sorted(by: { $0.key < $1.key }) {
                out.append("| \(Self.inline(name)) | \(Self.inline(version)) |")
            }
            for s in result.skipped { out.append("| \(Self.inline(s.compiler)) | skipped: \(Self.inline(s.reason)) |") }
            out.append("")
        }
        out.append(Self.inline(Self.introduction))
        for group in Self.groups(result) {
            out.append("")
            out.append("## \(Self.inline(group.title))")
            out.append("")
            out += table(group)
            out.append("")
            out.append(Self.inline(Self.controlSentence(group.rows)))
        }
        out.append("")
        out.append("## Causes, over all configurations")
        out.append("")
        out += causes()
        out.append("")
        out.append("## The five objections (LKML, 17 March 2007)")
        out.append("")
        for o in result.objections {
            out.append("\(o.number). **\(Self.inline(o.claim))**: \(Self.inline(o.answer))")
        }
        if !result.examples.isEmpty {
            out.append("")
            out.append("## Examples")
            for e in result.examples {
                out.append("")
                out.append("### \(Self.inline(Self.exampleTitle(e)))")
                out.append("")
                out.append("\(Self.code(e.op)) at \(Self.code(e.position))" + (e.lengths.map { ", length \(Self.inline($0))" } ?? ""))
                out.append("")
                out += Self.codeBlock(Self.exampleLines(e))
            }
        }
        if !result.failures.isEmpty {
            out.append("")
            out.append("## Failures")
            out.append("")
            for f in result.failures { out.append("- \(Self.inline(f.line))") }
        }
        return out.map(Self.ascii).joined(separator: "\n") + "\n"
    }

    private func table(_ group: Group) -> [String] {
        let policies = Policy.allCases
        var head = "| opt |"
        var rule = "|---|"
        for p in policies {
            for column in Self.columns {
                head += " \(p.rawValue) \(column) |"
                rule += "---:|"
            }
        }
        var out = [head + " text a/p |", rule + "---:|"]
        for r in group.rows {
            var line = "| \(Self.inline(r.opt)) |"
            for p in policies {
                for n in Self.cells(r.policies[p] ?? Counts()) { line += " \(n) |" }
            }
            out.append(line + " \(Self.textRatio(r)) |")
        }
        return out
    }

    private func causes() -> [String] {
        let policies = Self.causePolicies.map(\.rawValue)
        var out = ["| | " + policies.joined(separator: " | ") + " |", "|---|" + policies.map { _ in "---:|" }.joined()]
        for section in Self.causeSections(result) {
            out.append("| *\(Self.inline(section.title))* |" + policies.map { _ in " |" }.joined())
            for row in section.rows {
                out.append("| \(Self.inline(row.label)) | " + row.counts.map(String.init).joined(separator: " | ") + " |")
            }
        }
        return out
    }
}

// MARK: - The sections, shared with the HTML report

extension StudyMarkdownReport {
    static let introduction = "Annotated sites (.parainstructions of the annotated build) against the relocation "
        + "scan of the plain build, matched by op and inline chain of source lines. fnd = found (in any shape), "
        + "mis = missed, siz = found but of another length, spu = spurious; mis and spu leave out sites the two "
        + "builds copied a different number of times (copies-differ, listed under Causes)."

    /// The four numbers per policy in the tables, in this order.
    static let columns = ["fnd", "mis", "siz", "spu"]

    static func cells(_ c: Counts) -> [Int] { [c.found, c.realMissed, c.sizeMismatched, c.realSpurious] }

    /// Coverage: found over found + missed, the annotated sites less those
    /// the two builds copied a different number of times; nil when none.
    static func coverage(_ c: Counts) -> Double? {
        let n = c.found + c.realMissed
        return n > 0 ? Double(c.found) / Double(n) : nil
    }

    /// Text bytes of the annotated build over the plain build's.
    static func textRatio(_ r: ConfigResult) -> String {
        let a = r.textBytes.annotated, p = r.textBytes.plain
        return p > 0 ? String(format: "%.2f", Double(a) / Double(p)) : "-"
    }

    static let optLevels = ["-O0", "-O1", "-O2", "-O3", "-Os"]

    static func optOrder(_ o: String) -> Int { optLevels.firstIndex(of: o) ?? optLevels.count }

    static let links = LinkForm.allCases

    static func linkTitle(_ link: LinkForm) -> String { link == .object ? "objects" : "linked image (--emit-relocs)" }

    /// One table: the rows of one variant and link form (and compiler, when
    /// the study has more than one), sorted by opt level.
    struct Group {
        let compiler: String?
        let variant: String
        let link: LinkForm
        let rows: [ConfigResult]

        var title: String {
            "variant \(variant), \(StudyMarkdownReport.linkTitle(link))" + (compiler.map { ", \($0)" } ?? "")
        }
    }

    /// Variants in the order the configurations declare them.
    static func variants(_ result: StudyResult) -> [String] {
        var seen: [String] = []
        for c in result.configs where !seen.contains(c.variant) { seen.append(c.variant) }
        return seen
    }

    static func compilers(_ result: StudyResult) -> [String] {
        var seen: [String] = []
        for c in result.configs where !seen.contains(c.compiler) { seen.append(c.compiler) }
        return seen
    }

    /// The tables, in the text report's order: objects first, then linked
    /// images; within each, variants in declared order.
    static func groups(_ result: StudyResult) -> [Group] {
        var out: [Group] = []
        for link in links {
            for variant in variants(result) { out += groups(result, variant: variant, link: link) }
        }
        return out
    }

    /// The tables of one variant and link form: one, or one per compiler.
    static func groups(_ result: StudyResult, variant: String, link: LinkForm) -> [Group] {
        let compilers = compilers(result)
        return compilers.compactMap { compiler in
            let rows = result.configs.filter { $0.variant == variant && $0.link == link && $0.compiler == compiler }
                .enumerated().sorted { (optOrder($0.element.opt), $0.offset) < (optOrder($1.element.opt), $1.offset) }
                .map(\.element)
            guard !rows.isEmpty else { return nil }
            return Group(compiler: compilers.count > 1 ? compiler : nil, variant: variant, link: link, rows: rows)
        }
    }

    /// The control line under a table.
    static func controlSentence(_ rows: [ConfigResult]) -> String {
        let control = rows.reduce(Counts()) { $0 + $1.control }
        let asm = rows.reduce(0) { $0 + $1.controlSizeMismatchedAsm }
        return "Control (scan of the annotated build): \(control.found) of \(control.annotated) found, "
            + "\(control.missed) missed, \(control.sizeMismatched - asm) size-mismatched"
            + (asm > 0 ? "; \(asm) asm sites longer (register saves)." : ".")
    }

    /// The policies the causes are listed for (naive counts every
    /// reference, so its causes say little).
    static let causePolicies: [Policy] = [.decoded, .dataflow]

    /// A block of the causes table: a heading and its rows (a label, a
    /// count per `causePolicies`).
    struct CauseSection {
        let title: String
        let rows: [(label: String, counts: [Int])]
    }

    /// Totals; then each cause in the catalogue's order (docs/causes.md);
    /// then the sites found in another shape. Rows that are zero under
    /// every policy are left out.
    static func causeSections(_ result: StudyResult) -> [CauseSection] {
        let counts = causePolicies.map { result.byPolicy[$0] ?? Counts() }
        let totals: [(label: String, counts: [Int])] = [
            ("annotated", counts.map(\.annotated)),
            ("found", counts.map(\.found)),
            ("missed", counts.map(\.missed)),
            ("spurious", counts.map(\.spurious)),
        ]
        var causes: [(label: String, counts: [Int])] = []
        for cause in Cause.allCases {
            let n = counts.map { $0.causes[cause] ?? 0 }
            if n.contains(where: { $0 > 0 }) { causes.append((cause.rawValue, n)) }
        }
        var shapes: [(label: String, counts: [Int])] = []
        let found: [(String, (Counts) -> Int)] = [
            ("kind-mismatched (call became a tail jmp)", \.kindMismatched),
            ("size-mismatched", \.sizeMismatched),
            ("clobber-unsafe", \.clobberUnsafe),
            ("matched only by innermost line (inlined differently)", \.inliningMatched),
        ]
        for (label, f) in found {
            let n = counts.map(f)
            if n.contains(where: { $0 > 0 }) { shapes.append((label, n)) }
        }
        return [CauseSection(title: "sites", rows: totals),
                CauseSection(title: "missed or spurious, by cause", rows: causes),
                CauseSection(title: "found, in another shape", rows: shapes)].filter { !$0.rows.isEmpty }
    }

    static func exampleTitle(_ e: Example) -> String {
        (e.cause.map { "\(e.outcome.rawValue) (\($0.rawValue))" } ?? e.outcome.rawValue) + ", \(e.policy.rawValue), \(e.config)"
    }

    /// The source line (`| ...`) and the instructions, as the text report
    /// prints them.
    static func exampleLines(_ e: Example) -> [String] {
        (e.sourceLine.isEmpty ? [] : ["| " + e.sourceLine]) + e.instructions
    }
}

// MARK: - Markdown text

extension StudyMarkdownReport {
    /// Plain ASCII: anything else becomes `?`, tabs become two spaces.
    static func ascii(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.isASCII && ($0.value >= 32 || $0 == "\t") ? $0 : "?" }))
            .replacingOccurrences(of: "\t", with: "  ")
    }

    /// Free text in a paragraph or a table cell: markdown's punctuation is
    /// escaped, so that `*`, `_`, `|` and `<` print as themselves.
    static func inline(_ s: String) -> String {
        var out = ""
        for ch in ascii(s) {
            if "\\`*_[]<>|#".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// A code span, with a fence longer than any run of backticks inside;
    /// `|` stays escaped (GitHub splits table cells before code spans).
    static func code(_ s: String) -> String {
        let text = ascii(s).replacingOccurrences(of: "|", with: "\\|")
        let fence = String(repeating: "`", count: longestRun(of: "`", in: text) + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return fence + pad + text + pad + fence
    }

    /// A fenced code block, its fence longer than any backtick run inside.
    static func codeBlock(_ lines: [String]) -> [String] {
        let text = lines.map(ascii)
        let fence = String(repeating: "`", count: max(3, text.map { longestRun(of: "`", in: $0) }.max().map { $0 + 1 } ?? 3))
        return [fence] + text + [fence]
    }

    private static func longestRun(of c: Character, in s: String) -> Int {
        var best = 0, run = 0
        for ch in s {
            run = ch == c ? run + 1 : 0
            best = max(best, run)
        }
        return best
    }
}
