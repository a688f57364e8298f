import Compare
import CorpusBuild
import RelocSites

/// The study as GitHub-flavoured markdown, for issues and pull requests:
/// the text report's content (the bottom line, tables per variant with the
/// control, the per-op breakdown, the causes, the five objections,
/// examples) as markdown tables and code blocks. Plain ASCII, stable order.
public struct StudyMarkdownReport {
    let report: StudyReport

    public init(_ report: StudyReport) { self.report = report }

    public func render() -> String {
        typealias M = Markdown
        var out: [String] = []
        out.append("# \(M.inline(report.title))")
        out.append("")
        // The verdict first: sentences to quote, one per item.
        if !report.verdict.sentences.isEmpty {
            out.append("**\(M.inline(StudyReport.Heading.verdict))**")
            out.append("")
            for s in report.verdict.sentences { out.append("- " + M.inline(s.text)) }
            out.append("")
        }
        if let t = report.tool {
            out.append("pvsites \(M.inline(t.version)), \(M.inline(t.date)): \(M.code(t.command))")
            out.append("")
        }
        for l in report.linux {
            out.append("- " + M.inline(l.headline) + (l.command.map { (l.recorded ? ", " + M.inline(l.commandLead) : ": ") + M.code($0) } ?? ""))
        }
        if !report.linux.isEmpty { out.append("") }
        if !report.compilers.isEmpty || !report.skipped.isEmpty {
            out.append("| compiler | version |")
            out.append("|---|---|")
            for c in report.compilers { out.append("| \(M.inline(c.name)) | \(M.inline(c.version)) |") }
            for s in report.skipped { out.append("| \(M.inline(s.compiler)) | skipped: \(M.inline(s.reason)) |") }
            out.append("")
        }
        out += bottomLine()
        out.append("")
        out.append("## \(StudyReport.Heading.tables)")
        out.append("")
        out.append(M.inline(StudyReport.legend.joined(separator: " ")))
        for t in report.tables {
            out.append("")
            out.append("### \(M.inline(t.title))")
            out.append("")
            out += table(t)
            out.append("")
            out.append(M.inline(t.control.sentence + " Text bytes, annotated over \(t.form): \(t.textRatios)."))
            if let asm = t.asmLine { out.append(""); out.append(M.inline(asm.prefix(1).uppercased() + asm.dropFirst() + ".")) }
            if let alt = t.alternativesLine { out.append(""); out.append(M.inline(alt + ".")) }
        }
        if let other = report.otherCompilers {
            out.append("")
            out.append("## \(M.inline(StudyReport.Heading.otherCompilers))")
            out.append("")
            out.append("| compiler, variant | " + other.opts.map(M.inline).joined(separator: " | ") + " |")
            out.append("|---|" + other.opts.map { _ in "---:|" }.joined())
            for l in other.lines {
                out.append("| \(M.inline("\(l.compiler) \(l.variant)")) | " + l.cells.joined(separator: " | ") + " |")
            }
        }
        if let c = report.shapes {
            out.append("")
            out.append("## \(M.inline(ShapeCatalogue.heading)) (\(M.inline(c.scope)))")
            out.append("")
            out.append(M.inline(ShapeCatalogue.legend.prefix(1).uppercased() + ShapeCatalogue.legend.dropFirst() + "."))
            out.append("")
            out.append("| file | kind | what | " + c.columns.map { M.inline("\($0.label) \($0.levels.joined(separator: "/"))") }
                .joined(separator: " | ") + " |")
            out.append("|---|---|---|" + c.columns.map { _ in "---:|" }.joined())
            for l in c.lines {
                out.append("| \(M.code(l.file)) | \(M.inline(l.kindLabel)) | \(M.inline(l.shape?.about ?? "")) | "
                    + l.missed.map { $0.map(String.init) ?? "-" }.joined(separator: " | ") + " |")
            }
        }
        out.append("")
        out.append("## \(StudyReport.Heading.byOp) (\(M.inline(report.byOp.title)))")
        out.append("")
        out += byOp()
        out.append("")
        out.append("## \(StudyReport.Heading.causes)")
        out.append("")
        out.append(Markdown.inline(StudyReport.Heading.causesScope))
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

    private func bottomLine() -> [String] {
        let b = report.bottomLine
        guard !b.rows.isEmpty else { return [] }
        var out = ["## \(StudyReport.Heading.bottomLine)", "",
                   "Annotated sites found by a relocation scan of the plain build (decoded, dataflow) and of the direct "
                    + "form's build (direct: calls to per-op trampolines), \(Markdown.inline(b.scope)).", ""]
        out.append("| | annotated | " + b.columns.map { "\($0.label) | patchable | %" }.joined(separator: " | ") + " |")
        out.append("|---|---:|" + b.columns.map { _ in "---:|---:|---:|" }.joined())
        for r in b.rows {
            out.append("| \(Markdown.inline(r.label)) | \(r.annotated) | "
                + b.columns.indices.map { "\(r.found[$0].map(String.init) ?? "-") | \(r.patchableText($0)) | \(r.percent($0))" }
                    .joined(separator: " | ") + " |")
        }
        out.append("")
        out.append(Markdown.inline("Counts of annotated C sites; " + StudyTextReport.asmNote(b.rows) + "."))
        out.append("")
        out.append("The 2007 objections, \(Markdown.inline(b.objectionScope)):")
        out.append("")
        out += b.objections.map { "- " + Markdown.inline($0) }
        return out
    }

    private func table(_ t: StudyReport.Table) -> [String] {
        let policies = Policy.allCases
        var head = "| opt | ann |"
        var rule = "|---|---:|"
        for p in policies {
            for column in StudyReport.Column.of(p) {
                head += " \(p.rawValue) \(column.rawValue) |"
                rule += "---:|"
            }
        }
        var out = [head, rule]
        for r in t.rows {
            var line = "| \(Markdown.inline((t.marksLinked(r) ? "linked " : "") + r.label)) | \(r.annotated) |"
            for p in policies {
                let cells = r.cells[p] ?? .zero
                for column in StudyReport.Column.of(p) { line += " \(cells.value(column)) |" }
            }
            out.append(line)
        }
        return out
    }

    private func byOp() -> [String] {
        let columns = StudyReport.OpTable.columns
        var out = ["| op | " + columns.map(\.label).joined(separator: " | ") + " | top cause |",
                   "|---|" + columns.map { _ in "---:|" }.joined() + "---|"]
        for l in report.byOp.lines {
            out.append("| \(Markdown.code(l.op)) | " + l.counts.map(String.init).joined(separator: " | ")
                + " | \(Markdown.inline(l.topCause ?? "")) |")
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
