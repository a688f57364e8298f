import Compare
import RelocSites

/// The study as plain text for e-mail: at most 72 columns, ASCII, stable
/// order. Summary tables per variant and link form, the control, code size,
/// the causes, the five objections with their numbers, then examples.
public struct StudyTextReport {
    public static let width = 72
    let report: StudyReport

    public init(_ report: StudyReport) { self.report = report }

    public func render() -> String {
        var out: [String] = []
        out += wrap(report.title, indent: "  ")
        for c in report.compilers { out.append("  \(c.name): \(c.version)") }
        for s in report.skipped { out.append("  skipped \(s.compiler): \(s.reason)") }
        if let w = report.warnings { out.append("  " + w) }
        out.append("")
        out += wrap(StudyReport.introduction)
        // By compiler first, then as the report orders them.
        var compilers: [String] = []
        for t in report.tables where !compilers.contains(t.compiler) { compilers.append(t.compiler) }
        for compiler in compilers {
            for t in report.tables where t.compiler == compiler {
                out.append("")
                out += table(t)
            }
        }
        out.append("")
        out.append(StudyReport.Heading.causes)
        for (policy, c) in zip(StudyReport.CauseTable.policies, report.causes.totals) {
            out.append("  \(policy.rawValue): \(c.annotated) annotated, \(c.found) found, \(c.missed) missed, "
                + "\(c.spurious) spurious")
            for (cause, n) in c.causes.sorted(by: { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }) {
                out.append("    " + TextTable.padLeft(String(n), 6) + "  " + cause.rawValue)
            }
            for shape in [StudyReport.Shape.kindMismatched, .sizeMismatched, .inliningMatched] where shape.count(in: c) > 0 {
                out.append("    " + TextTable.padLeft(String(shape.count(in: c)), 6) + "  " + shape.label)
            }
        }
        out.append("")
        out.append(StudyReport.Heading.objections)
        for o in report.objections {
            out += wrap("\(o.number). \"\(o.claim)\": \(o.answer)", indent: "   ")
        }
        if !report.examples.isEmpty {
            out.append("")
            out.append(StudyReport.Heading.examples)
            for e in report.examples {
                out.append("")
                out.append(e.title)
                out.append("  \(e.op) at \(e.position)" + (e.lengths.map { ", length \($0)" } ?? ""))
                for line in e.listing { out.append("    \(line)") }
            }
        }
        if !report.failures.isEmpty {
            out.append("")
            out.append(StudyReport.Heading.failures)
            for f in report.failures { out += wrap("  " + f, indent: "    ") }
        }
        return out.map(Self.fit).joined(separator: "\n") + "\n"
    }

    private func table(_ t: StudyReport.Table) -> [String] {
        var out = [(t.compilerLabel.map { "\($0), " } ?? "") + "variant \(t.variant), \(t.linkTitle)"]
        let policies = Policy.allCases
        // Four-digit counts (a kernel) widen every column by one and drop
        // the gaps between policies, to stay within the width.
        let widest = t.rows.flatMap { r in policies.flatMap { (r.cells[$0] ?? .zero).values } }.max() ?? 0
        let w = max(4, String(widest).count + 1)
        let gap = w == 4 ? "  " : ""
        let columns = StudyReport.Cells.columns.map { TextTable.padLeft($0, w) }.joined() + gap
        out.append("       " + policies.map { TextTable.pad($0.rawValue, 4 * w + gap.count) }.joined())
        out.append("  opt  " + policies.map { _ in columns }.joined() + (w == 4 ? "text a/p" : " a/p"))
        for r in t.rows {
            var line = "  " + TextTable.pad(r.opt, 5)
            for p in policies {
                line += (r.cells[p] ?? .zero).values.map { TextTable.padLeft(String($0), w) }.joined() + gap
            }
            out.append(line + (w == 4 ? "" : " ") + r.textRatio)
        }
        let c = t.control
        out.append("  control (scan of the annotated build): \(c.found) of \(c.annotated) found,")
        out.append("    \(c.missed) missed, \(c.sizeMismatched) size-mismatched"
            + (c.asmLonger > 0 ? "; \(c.asmLonger) asm sites longer (register saves)" : ""))
        return out
    }

    /// Word-wrap to the report width.
    private func wrap(_ text: String, indent: String = "") -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > Self.width {
                lines.append(line)
                line = indent + word
            } else {
                line += (line.isEmpty ? "" : " ") + word
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// ASCII only, and no line past the width (long lines are cut with `...`).
    static func fit(_ line: String) -> String {
        let ascii = TextTable.ascii(line)
        return ascii.count <= width ? ascii : String(ascii.prefix(width - 3)) + "..."
    }
}
