import Compare
import RelocSites
import Study

/// The study as one self-contained HTML page: inline CSS, an inline SVG
/// chart per variant (found / annotated per opt level, a bar per policy,
/// the size-mismatched part hatched), then the markdown report's sections:
/// the tables with their control lines, the causes, the five objections,
/// the examples. No scripts, no external assets; every element is closed
/// and every text escaped, so the page also parses as XML.
public struct StudyHTMLReport {
    let report: StudyReport

    public init(_ report: StudyReport) { self.report = report }

    /// A colour per policy (grey for the 2007 proposal, then blue, orange).
    static let colours: [Policy: String] = [.naive: "#8c8c8c", .decoded: "#3b6fb6", .dataflow: "#e07b28"]

    public func render() -> String {
        let title = report.title
        var h: [String] = []
        h.append("<!DOCTYPE html>")
        h.append("<html lang=\"en\">")
        h.append("<head>")
        h.append("<meta charset=\"utf-8\"/>")
        h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>")
        h.append("<title>\(e(title))</title>")
        h.append("<style>\(Self.css)</style>")
        h.append("</head>")
        h.append("<body>")
        h.append("<main>")
        h.append("<h1>\(e(title))</h1>")
        h += verdict()
        if let t = report.tool {
            h.append("<p class=\"intro\">pvsites \(e(t.version)), \(e(t.date)): <code>\(e(t.command))</code></p>")
        }
        h += linux()
        h += compilers()
        h += bottomLine()
        h.append("<p class=\"intro\">\(e(StudyReport.legend.joined(separator: " ")))</p>")
        h.append("<p class=\"intro\">\(e(Self.caption))</p>")
        h += contents()
        for (i, variant) in sectionVariants.enumerated() { h += section(variant: variant, index: i + 1) }
        h += otherCompilers()
        h += byOp()
        h += causes()
        h += objections()
        h += examples()
        h += failures()
        h.append("</main>")
        h.append("</body>")
        h.append("</html>")
        return h.joined(separator: "\n") + "\n"
    }

    private func e(_ s: String) -> String { HTML.escape(s) }

    /// One section per (kernel, variant) the tables hold.
    private var sectionVariants: [String] { StudyReport.inOrder(report.tables.map(sectionName)) }

    private func sectionName(_ t: StudyReport.Table) -> String {
        t.kernel.map { "Linux \($0) A/B" } ?? "variant \(t.variant)"
    }

    /// The verdict on top: sentences to quote (the no-Linux line among them).
    private func verdict() -> [String] {
        guard !report.verdict.sentences.isEmpty else { return [] }
        return ["<section id=\"verdict\">", "<h2>\(e(StudyReport.Heading.verdict))</h2>", "<ul class=\"verdict\">"]
            + report.verdict.sentences.map { "<li>\(e($0.text))</li>" } + ["</ul>", "</section>"]
    }

    /// The Linux results the report leads with.
    private func linux() -> [String] {
        guard !report.linux.isEmpty else { return [] }
        return ["<ul class=\"linux\">"]
            + report.linux.map { l in
                "<li>\(e(l.headline))" + (l.command.map { (l.recorded ? ", " + e(l.commandLead) : ": ") + "<code>\(e($0))</code>" } ?? "") + "</li>"
            }
            + ["</ul>"]
    }

    private func compilers() -> [String] {
        guard !report.compilers.isEmpty || !report.skipped.isEmpty else { return [] }
        var h = ["<table class=\"compilers\">", "<tr><th>compiler</th><th>version</th></tr>"]
        for c in report.compilers {
            h.append("<tr><td>\(e(c.name))</td><td>\(e(c.version))</td></tr>")
        }
        for s in report.skipped {
            h.append("<tr class=\"skipped\"><td>\(e(s.compiler))</td><td>skipped: \(e(s.reason))</td></tr>")
        }
        h.append("</table>")
        return h
    }

    private func bottomLine() -> [String] {
        let b = report.bottomLine
        guard !b.rows.isEmpty else { return [] }
        var h = ["<section id=\"bottom-line\">", "<h2>\(e(StudyReport.Heading.bottomLine))</h2>",
                 "<p>Annotated sites found by a relocation scan of the plain build, \(e(b.scope)).</p>",
                 "<table class=\"counts\">",
                 "<thead><tr><th></th><th>annotated</th>"
                    + b.columns.map { "<th class=\"policy\">\(e($0.label))</th><th>patchable</th><th>%</th>" }.joined() + "</tr></thead>",
                 "<tbody>"]
        for r in b.rows {
            h.append("<tr><th>\(e(r.label))</th><td>\(r.annotated)</td>"
                + b.columns.indices.map {
                    "<td class=\"policy\">\(r.found[$0].map(String.init) ?? "-")</td><td>\(r.patchableText($0))</td><td>\(e(r.percent($0)))</td>"
                }.joined()
                + "</tr>")
        }
        h += ["</tbody>", "</table>", "<p>Counts of annotated C sites; \(e(StudyTextReport.asmNote(b.rows))).</p>",
              "<p>The 2007 objections, \(e(b.objectionScope)):</p>", "<ul>"]
        h += b.objections.map { "<li>\(e($0))</li>" }
        h += ["</ul>", "</section>"]
        return h
    }

    private func contents() -> [String] {
        var items = [report.bottomLine.rows.isEmpty ? nil : "<li><a href=\"#bottom-line\">bottom line</a></li>"].compactMap { $0 }
        items += sectionVariants.enumerated().map { i, v in "<li><a href=\"#variant-\(i + 1)\">\(e(v))</a></li>" }
        if report.otherCompilers != nil { items.append("<li><a href=\"#other-compilers\">other compilers</a></li>") }
        items.append("<li><a href=\"#by-op\">by op</a></li>")
        items.append("<li><a href=\"#causes\">causes</a></li>")
        items.append("<li><a href=\"#objections\">the five objections</a></li>")
        if !report.examples.isEmpty { items.append("<li><a href=\"#examples\">examples</a></li>") }
        if !report.failures.isEmpty { items.append("<li><a href=\"#failures\">failures</a></li>") }
        return ["<nav><ul>"] + items + ["</ul></nav>"]
    }

    // MARK: Variants: charts and tables

    private func section(variant: String, index: Int) -> [String] {
        let tables = report.tables.filter { sectionName($0) == variant }
        var h = ["<section id=\"variant-\(index)\">", "<h2>\(e(variant))</h2>"]
        h.append("<figure>")
        h.append(chart(title: variant, index: index, tables: tables).render())
        h.append("</figure>")
        h.append("<figure>")
        h.append(causeChart(title: variant, index: index, tables: tables).render())
        h.append("</figure>")
        for t in tables {
            h.append("<h3>\(e(t.title))</h3>")
            h += table(t)
            h.append("<p class=\"control\">\(e(t.control.sentence)) Text bytes, annotated over \(t.form): \(e(t.textRatios)).</p>")
        }
        h.append("</section>")
        return h
    }

    /// Colours of the bars of what a policy got wrong.
    static let wrongColours: [Policy: String] = [.naive: "#b03030", .decoded: "#7a2a8c", .dataflow: "#9c5a1a"]

    /// A panel per table, a group of bars per row, two bars per policy:
    /// found (size-mismatched part hatched), and what it got wrong, as a
    /// share of the annotated sites: misplaced guesses (solid) and
    /// spurious sites (hatched), capped at 100.
    func chart(title: String, index: Int, tables: [StudyReport.Table]) -> SVGChart {
        let policies = Policy.allCases
        let panels = tables.map { t in
            SVGChart.Panel(
                title: t.compiler + (t.form == .direct ? ", direct" : ""),
                groups: t.rows.map { r in
                    let label = (t.marksLinked(r) ? "ld " : "") + (t.kernel == nil ? r.opt : r.label.replacingOccurrences(of: "retpoline ", with: "r-"))
                    return SVGChart.Group(label: label, bars: policies.flatMap { p -> [SVGChart.Bar?] in
                        guard let c = r.cells[p], c.annotated > 0 else { return [nil, nil] }
                        let base = Double(c.annotated)
                        let found = SVGChart.Bar(
                            solid: Double(c.found - c.sizeMismatched) / base * 100,
                            hatched: Double(c.sizeMismatched) / base * 100,
                            label: c.percent == "-" ? "-" : c.percent + "%",
                            tooltip: "\(p.rawValue), \(label): \(c.found) of \(c.annotated) found "
                                + "(\(c.percent)%), \(c.sizeMismatched) of them size-mismatched")
                        // One meaning per hatching: only a found bar's
                        // size-mismatched part is hatched; labels are
                        // percentages, as the axis.
                        let wrong = SVGChart.Bar(
                            solid: Double(c.misplaced + c.spurious) / base * 100,
                            hatched: 0,
                            label: Self.wholePercent(c.misplaced + c.spurious, of: c.annotated),
                            tooltip: "\(p.rawValue), \(label): \(c.misplaced) misplaced, \(c.spurious) spurious "
                                + "(against \(c.annotated) annotated)")
                        return [found, wrong]
                    })
                })
        }
        let series = policies.flatMap { p in
            [SVGChart.Series(name: "\(p.rawValue) found", colour: Self.colours[p] ?? "#444444"),
             SVGChart.Series(name: "\(p.rawValue) misplaced + spurious", colour: Self.wrongColours[p] ?? "#aa3333")]
        }
        return SVGChart(id: "chart-\(index)", title: "\(title): annotated sites found, and sites got wrong",
                        series: series,
                        hatchedLabel: "hatched: found at another length (size-mismatched)", xLabel: "configuration",
                        yLabel: "% of annotated sites", panels: panels)
    }

    /// Misses by cause, decoded and dataflow, as a share of the annotated
    /// sites of the variant's rows (objects), a panel per table.
    func causeChart(title: String, index: Int, tables: [StudyReport.Table]) -> SVGChart {
        let policies = StudyReport.CauseTable.policies
        let panels = tables.map { t in
            let rows = t.rows.filter { !t.marksLinked($0) }
            let annotated = rows.reduce(0) { $0 + $1.annotated }
            var byCause: [Cause: [Policy: Int]] = [:]
            for r in rows { for p in policies { for (cause, n) in r.causes[p] ?? [:] { byCause[cause, default: [:]][p, default: 0] += n } } }
            let top = byCause.sorted { ($1.value.values.reduce(0, +), $0.key) < ($0.value.values.reduce(0, +), $1.key) }.prefix(6)
            return SVGChart.Panel(title: t.compiler + (t.form == .direct ? ", direct" : ""), groups: top.map { cause, counts in
                SVGChart.Group(label: cause.rawValue, bars: policies.map { p in
                    let n = counts[p] ?? 0
                    return SVGChart.Bar(solid: annotated > 0 ? Double(n) / Double(annotated) * 100 : 0, hatched: 0,
                                        label: Self.wholePercent(n, of: annotated),
                                        tooltip: "\(p.rawValue): \(n) of \(annotated) annotated sites, \(cause.rawValue)")
                })
            })
        }
        return SVGChart(id: "causes-\(index)", title: "\(title): missed and spurious sites by cause",
                        series: policies.map { SVGChart.Series(name: $0.rawValue, colour: Self.colours[$0] ?? "#444444") },
                        hatchedLabel: "", xLabel: "cause", yLabel: "% of annotated sites", panels: panels,
                        slantedLabels: true)
    }

    /// `12%`: a bar's label in the axis' unit.
    static func wholePercent(_ n: Int, of total: Int) -> String {
        total > 0 ? "\(Int((100 * Double(n) / Double(total)).rounded()))%" : "-"
    }

    static let caption = "Charts: for each policy, a bar of the annotated sites the scan found (in any shape), as a "
        + "percentage of the annotated sites, its hatched top found at another length (size-mismatched: found, "
        + "but not patchable in place as recorded); and beside it a bar of what the policy got wrong: annotated "
        + "sites it only guessed at (misplaced) and spurious sites, against the same base, capped at 100. "
        + "Hatching means size-mismatched only. The second chart gives each cause's sites as a percentage of the "
        + "annotated sites; every bar's label is in the axis' unit."

    private func table(_ t: StudyReport.Table) -> [String] {
        let policies = Policy.allCases
        var h = ["<table class=\"counts\">", "<thead>"]
        h.append("<tr><th rowspan=\"2\">config</th><th rowspan=\"2\"><abbr title=\"annotated sites\">ann</abbr></th>"
            + policies.map { "<th colspan=\"\(StudyReport.Column.of($0).count)\" class=\"policy\">\(e($0.rawValue))</th>" }.joined()
            + "</tr>")
        h.append("<tr>" + policies.map { p in
            StudyReport.Column.of(p).enumerated().map { i, c in
                "<th\(i == 0 ? " class=\"policy\"" : "")><abbr title=\"\(e(c.meaning))\">\(e(c.rawValue))</abbr></th>"
            }.joined()
        }.joined() + "</tr>")
        h.append("</thead>")
        h.append("<tbody>")
        for r in t.rows {
            var row = "<tr><th>\(e((t.marksLinked(r) ? "linked " : "") + r.label))</th><td>\(r.annotated)</td>"
            for p in policies {
                let cells = r.cells[p] ?? .zero
                for (i, c) in StudyReport.Column.of(p).enumerated() {
                    row += "<td\(i == 0 ? " class=\"policy\"" : "")>\(e(cells.value(c)))</td>"
                }
            }
            h.append(row + "</tr>")
        }
        h.append("</tbody>")
        h.append("</table>")
        return h
    }

    private func otherCompilers() -> [String] {
        guard let o = report.otherCompilers else { return [] }
        var h = ["<section id=\"other-compilers\">", "<h2>\(e(StudyReport.Heading.otherCompilers))</h2>",
                 "<table class=\"counts\">",
                 "<thead><tr><th></th>" + o.opts.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead>", "<tbody>"]
        for l in o.lines {
            h.append("<tr><th>\(e("\(l.compiler) \(l.variant)"))</th>" + l.cells.map { "<td>\(e($0))</td>" }.joined() + "</tr>")
        }
        h += ["</tbody>", "</table>", "</section>"]
        return h
    }

    private func byOp() -> [String] {
        let columns = StudyReport.OpTable.columns
        // The policies' found columns are marked (they carry the comparison).
        func policy(_ c: StudyReport.OpTable.Column) -> String { c.isFound ? " class=\"policy\"" : "" }
        var h = ["<section id=\"by-op\">", "<h2>\(e(StudyReport.Heading.byOp)) (\(e(report.byOp.title)))</h2>",
                 "<table class=\"counts\">",
                 "<thead><tr><th>op</th>" + columns.map { "<th\(policy($0))>\(e($0.shortLabel))</th>" }.joined()
                    + "<th>top cause</th></tr></thead>", "<tbody>"]
        for l in report.byOp.lines {
            h.append("<tr><th><code>\(e(l.op))</code></th>"
                + zip(columns, l.counts).map { "<td\(policy($0))>\($1)</td>" }.joined()
                + "<td class=\"cause\">\(e(l.topCause ?? ""))</td></tr>")
        }
        h += ["</tbody>", "</table>", "</section>"]
        return h
    }

    // MARK: Causes, objections, examples, failures

    private func causes() -> [String] {
        let policies = StudyReport.CauseTable.policies
        var h = ["<section id=\"causes\">", "<h2>\(e(StudyReport.Heading.causes))</h2>", "<p>\(e(StudyReport.Heading.causesScope))</p>", "<table class=\"causes\">"]
        h.append("<thead><tr><th></th>" + policies.map { "<th>\(e($0.rawValue))</th>" }.joined() + "</tr></thead>")
        for section in report.causes.sections {
            h.append("<tbody>")
            h.append("<tr class=\"section\"><th colspan=\"\(policies.count + 1)\">\(e(section.title))</th></tr>")
            for row in section.rows {
                h.append("<tr><th>\(e(row.label))</th>" + row.counts.map { "<td>\($0)</td>" }.joined() + "</tr>")
            }
            h.append("</tbody>")
        }
        h.append("</table>")
        h.append("<p class=\"note\">Each cause is explained in docs/causes.md.</p>")
        h.append("</section>")
        return h
    }

    private func objections() -> [String] {
        var h = ["<section id=\"objections\">", "<h2>\(e(StudyReport.Heading.objections))</h2>", "<ol>"]
        for o in report.objections {
            h.append("<li value=\"\(o.number)\"><q>\(e(o.claim))</q>: \(e(o.answer))</li>")
        }
        h.append("</ol>")
        h.append("</section>")
        return h
    }

    private func examples() -> [String] {
        guard !report.examples.isEmpty else { return [] }
        var h = ["<section id=\"examples\">", "<h2>\(e(StudyReport.Heading.examples))</h2>", "<div class=\"examples\">"]
        for x in report.examples {
            h.append("<article class=\"example \(e(x.outcome.rawValue))\">")
            h.append("<h3>\(e(x.title))</h3>")
            h.append("<p><code>\(e(x.op))</code> at <code>\(e(x.position))</code>"
                + (x.lengths.map { ", length \(e($0))" } ?? "") + "</p>")
            var lines: [String] = []
            if !x.sourceLine.isEmpty { lines.append("<span class=\"src\">| \(e(x.sourceLine))</span>") }
            for i in x.instructions {
                lines.append(i.hasPrefix(">") ? "<span class=\"site\">\(e(i))</span>" : e(i))
            }
            h.append("<pre>" + lines.joined(separator: "\n") + "</pre>")
            h.append("</article>")
        }
        h.append("</div>")
        h.append("</section>")
        return h
    }

    private func failures() -> [String] {
        guard !report.failures.isEmpty else { return [] }
        return ["<section id=\"failures\">", "<h2>\(e(StudyReport.Heading.failures))</h2>", "<ul>"]
            + report.failures.map { "<li><code>\(e($0))</code></li>" }
            + ["</ul>", "</section>"]
    }

    static let css = """

    body { margin: 0; background: #fff; color: #1d1d1f;
      font: 15px/1.45 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
    main { max-width: 1160px; margin: 0 auto; padding: 20px 24px 48px; }
    h1 { font-size: 26px; margin: 8px 0 14px; }
    h2 { font-size: 20px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #d8d8d8; }
    h3 { font-size: 16px; margin: 18px 0 6px; }
    nav ul { list-style: none; padding: 0; margin: 10px 0; display: flex; flex-wrap: wrap; gap: 6px 18px; }
    a { color: #2a5db0; }
    p.intro { max-width: 76ch; color: #333; }
    figure { margin: 8px 0 4px; overflow-x: auto; }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; margin: 4px 0; }
    th, td { padding: 3px 8px; border-bottom: 1px solid #e4e4e4; }
    td { text-align: right; }
    th { text-align: left; font-weight: 600; }
    thead th { text-align: center; background: #f4f5f7; border-bottom: 1px solid #c8c8c8; }
    .counts tbody th { text-align: left; }
    .counts .policy { border-left: 2px solid #c8c8c8; }
    .compilers td, .compilers th { text-align: left; }
    .compilers .skipped td { color: #777; }
    .causes td { min-width: 6ch; }
    .causes tbody th { font-weight: normal; padding-left: 18px; }
    .causes tr.section th { font-weight: 600; font-style: italic; color: #555; padding-left: 8px; padding-top: 10px; }
    abbr { text-decoration: none; cursor: help; }
    p.control, p.note { color: #444; font-size: 14px; margin: 6px 0 14px; }
    ol li { margin: 4px 0; max-width: 90ch; }
    q { font-style: italic; }
    code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
    div.examples { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 4px 24px; }
    article.example { margin: 6px 0 10px; min-width: 0; }
    article.example h3 { font-size: 14px; margin: 14px 0 2px; }
    article.example p { margin: 2px 0 4px; }
    pre { background: #f6f8fa; border: 1px solid #e1e4e8; border-radius: 4px; padding: 6px 10px;
      margin: 0; overflow-x: auto; }
    pre .src { color: #6a737d; }
    pre .site { background: #fff3c4; font-weight: 600; }
    svg.chart { max-width: 100%; height: auto; }
    svg.chart text { font-family: -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
      fill: #1d1d1f; }
    svg.chart .chart-title { font-size: 15px; font-weight: 600; }
    svg.chart .panel-title { font-size: 13px; font-weight: 600; }
    svg.chart .legend { font-size: 12px; }
    svg.chart .tick { font-size: 11px; fill: #444; }
    svg.chart .value { font-size: 9.5px; fill: #333; }
    svg.chart .axis-label { font-size: 11.5px; fill: #444; }
    svg.chart .grid { stroke: #e6e6e6; stroke-width: 1; }
    svg.chart .axis { stroke: #777; stroke-width: 1; }

    """
}
