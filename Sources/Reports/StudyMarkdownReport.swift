import RelocSites

/// The study as GitHub-flavoured markdown, for issues and pull requests:
/// the text report's content (tables per variant and link form, the
/// control, the causes, the five objections, examples) as markdown tables
/// and code blocks. Plain ASCII, stable order.
public struct StudyMarkdownReport {
    let report: StudyReport

    public init(_ report: StudyReport) { self.report = report }

    public func render() -> String {
        typealias M = Markdown
        var out: [String] = []
        out.append("# \(M.inline(report.title))")
        out.append("")
        if !report.compilers.isEmpty || !report.skipped.isEmpty {
            out.append("| compiler | version |")
            out.append("|---|---|")
            for c in report.compilers { out.append("| \(M.inline(c.name)) | \(M.inline(c.version)) |") }
            for s in report.skipped { out.append("| \(M.inline(s.compiler)) | skipped: \(M.inline(s.reason)) |") }
            out.append("")
        }
        out.append(M.inline(StudyReport.introduction))
        for t in report.tables {
            out.append("")
            out.append("## \(M.inline("variant \(t.variant), \(t.linkTitle)" + (t.compilerLabel.map { ", \($0)" } ?? "")))")
            out.append("")
            out += table(t)
            out.append("")
            out.append(M.inline(t.control.sentence))
        }
        out.append("")
        out.append("## \(StudyReport.Heading.causes)")
        out.append("")
        out += causes()
        out.append("")
        out.append("## \(StudyReport.Heading.objections)")
        out.append("")
        for o in report.objections {
            out.append("\(o.number). **\(M.inline(o.claim))**: \(M.inline(o.answer))")
        }
        if !report.examples.isEmpty {
            out.append("")
            out.append("## \(StudyReport.Heading.examples)")
            for e in report.examples {
                out.append("")
                out.append("### \(M.inline(e.title))")
                out.append("")
                out.append("\(M.code(e.op)) at \(M.code(e.position))" + (e.lengths.map { ", length \(M.inline($0))" } ?? ""))
                out.append("")
                out += M.codeBlock(e.listing)
            }
        }
        if !report.failures.isEmpty {
            out.append("")
            out.append("## \(StudyReport.Heading.failures)")
            out.append("")
            for f in report.failures { out.append("- \(M.inline(f))") }
        }
        return out.map(TextTable.ascii).joined(separator: "\n") + "\n"
    }

    private func table(_ t: StudyReport.Table) -> [String] {
        let policies = Policy.allCases
        var head = "| opt |"
        var rule = "|---|"
        for p in policies {
            for column in StudyReport.Cells.columns {
                head += " \(p.rawValue) \(column) |"
                rule += "---:|"
            }
        }
        var out = [head + " text a/p |", rule + "---:|"]
        for r in t.rows {
            var line = "| \(Markdown.inline(r.opt)) |"
            for p in policies {
                for n in (r.cells[p] ?? .zero).values { line += " \(n) |" }
            }
            out.append(line + " \(r.textRatio) |")
        }
        return out
    }

    private func causes() -> [String] {
        let policies = StudyReport.CauseTable.policies.map(\.rawValue)
        var out = ["| | " + policies.joined(separator: " | ") + " |", "|---|" + policies.map { _ in "---:|" }.joined()]
        for section in report.causes.sections {
            out.append("| *\(Markdown.inline(section.title))* |" + policies.map { _ in " |" }.joined())
            for row in section.rows {
                out.append("| \(Markdown.inline(row.label)) | " + row.counts.map(String.init).joined(separator: " | ") + " |")
            }
        }
        return out
    }
}
