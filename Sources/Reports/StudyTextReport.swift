import Compare
import CorpusBuild
import RelocSites
import Study
import Pipeline

/// The study as plain text for e-mail: at most 72 columns, ASCII, stable
/// order. The answer first (at most 20 lines, to be quoted as is), then
/// the coverage tables of the main compiler with a legend, the other
/// compilers condensed, the causes, and a few examples: about 150 lines.
/// `--full` adds every compiler's tables and the objections in full.
public struct StudyTextReport {
    public static let width = 72
    let report: StudyReport

    public init(_ report: StudyReport) { self.report = report }

    public func render() -> String {
        // The verdict first; the header and the bottom line keep their
        // own 20 lines under it.
        let verdict = verdictLines()
        let head = header()
        let top = ([report.title] + verdict + head + [""] + bottomLine(budget: Self.summaryLines)).flatMap(Self.fit)
        var notes: [String] = []
        for s in report.skipped { notes.append("skipped \(s.compiler): \(s.reason)") }
        if let w = report.warnings { notes.append(w) }
        let noteLines = (notes.isEmpty ? [] : [""] + notes.map { "  " + $0 }).flatMap(Self.fit)
        var tables = report.tables.enumerated().map { i, t in
            ([""] + table(t) + (i == 0 ? StudyReport.legend : [])).flatMap(Self.fit)
        }
        var after: [String] = []
        if let c = report.shapes { after += [""] + shapeLines(c) }
        if let d = report.directTable { after += [""] + directTable(d) }
        if let other = report.otherCompilers { after += [""] + otherCompilers(other) }
        if report.options.byOp { after += [""] + byOp() }
        after += [""] + causes()
        if report.options.full {
            after += ["", StudyReport.Heading.objections]
            for o in report.objections { after += wrap("\(o.number). \"\(o.claim)\": \(o.answer)", indent: "   ") }
        }
        after = after.flatMap(Self.fit)
        var failures: [String] = []
        if !report.failures.isEmpty {
            failures += ["", StudyReport.Heading.failures]
            for f in report.failures { failures += wrap("  " + f, indent: "    ") }
            failures = failures.flatMap(Self.fit)
        }
        // The PC32 addend is explained once, under the first example it
        // applies to.
        let explained = report.examples.firstIndex { $0.addendNote != nil }
        let examples = report.examples.enumerated().map { i, e in [""] + Self.exampleLines(e, addend: i == explained) }
        let examplesHead = ["", StudyReport.Heading.examples + " (one per cause; --examples N)"]
        var shown = examples
        if !report.options.full {
            // Within `shortLines`: first the corpus's last variant tables
            // give way (down to the first; --full and markdown have them all)
            // while fewer than three examples would fit, then examples.
            func length(_ ex: Int) -> Int {
                top.count + noteLines.count + tables.joined().count + 1 + after.count + failures.count
                    + (ex > 0 ? examplesHead.count + examples.prefix(ex).joined().count : 0)
            }
            var dropped: [String] = []
            let firstCorpus = report.tables.firstIndex { $0.kernel == nil } ?? tables.count
            while length(min(3, examples.count)) > Self.shortLines, tables.count - 1 > firstCorpus {
                dropped.insert(report.tables[tables.count - 1].variant, at: 0)
                tables.removeLast()
            }
            if !dropped.isEmpty {
                tables.append([""] + Self.fit("  (variant\(dropped.count == 1 ? "" : "s") " + dropped.joined(separator: ", ")
                    + ": pvsites study --full, or --format markdown)"))
            }
            var n = examples.count
            while n > 0 && length(n) > Self.shortLines { n -= 1 }
            shown = Array(examples.prefix(n))
        }
        var out = top + noteLines + tables.joined() + after
        if !shown.isEmpty { out += examplesHead + shown.joined() }
        out += failures
        return out.flatMap(Self.fit).joined(separator: "\n") + "\n"
    }

    /// The corpus file by file: a row per file with a miss (every file
    /// with --full), then per kind the files every policy and form finds
    /// whole, on a wrapped line.
    func shapeLines(_ c: ShapeCatalogue) -> [String] {
        var out = ["\(ShapeCatalogue.heading) (\(c.scope))"]
        out += wrap("(" + ShapeCatalogue.legend + ")", first: "  ", indent: "    ")
        let split = c.columns.firstIndex { $0.levels != c.columns[0].levels } ?? c.columns.count
        let width = 5
        out.append(TextTable.pad("", 39) + TextTable.padLeft("-O2 and -Os", split * width)
            + TextTable.padLeft("-O0", 3 + (c.columns.count - split) * width))
        var head = "  " + TextTable.pad("file", 21) + TextTable.pad("kind", 16)
        for (i, col) in c.columns.enumerated() { head += (i == split ? "   " : "") + TextTable.padLeft(col.label, width) }
        out.append(head)
        for l in c.lines where report.options.full || !l.allFound {
            var line = "  " + TextTable.pad(l.file, 21) + TextTable.pad(l.kindLabel, 16)
            for (i, m) in l.missed.enumerated() {
                line += (i == split ? "   " : "") + TextTable.padLeft(m.map(String.init) ?? "-", width)
            }
            out.append(line)
        }
        if !report.options.full {
            // The rest in a line: how many files of each kind every policy
            // and form finds whole (--full and markdown name them).
            let whole = CorpusShape.Kind.allCases.compactMap { kind -> String? in
                let n = c.lines.filter { $0.shape?.kind == kind && $0.allFound }.count
                return n == 0 ? nil : "\(n) \(kind.rawValue)"
            }
            if !whole.isEmpty {
                out += wrap("found whole by every policy and form: " + whole.joined(separator: ", ") + " files (--full names them)",
                            first: "  ", indent: "    ")
            }
        }
        return out
    }

    /// The direct form condensed: a line per configuration, decoded.
    private func directTable(_ d: StudyReport.DirectTable) -> [String] {
        let columns: [StudyReport.Column] = [.found, .patchable, .percent, .missed, .sizeMismatched, .spurious]
        var out = [StudyReport.Heading.direct]
        out.append("  " + TextTable.pad("", 22) + TextTable.padLeft("ann", 5)
            + columns.map { TextTable.padLeft($0.rawValue, 5) }.joined() + "   a/p  a/d")
        for l in d.lines {
            out.append("  " + TextTable.pad(l.label, 22) + TextTable.padLeft(String(l.cells.annotated), 5)
                + columns.map { TextTable.padLeft(l.cells.value($0), 5) }.joined()
                + TextTable.padLeft(l.plainRatio, 6) + TextTable.padLeft(l.directRatio, 5))
        }
        return out
    }

    /// The default report's length, at most: examples past it are left out.
    public static let shortLines = 150

    /// The verdict's sentences, each wrapped, under a line saying how to
    /// read them.
    func verdictLines() -> [String] {
        guard !report.verdict.sentences.isEmpty else { return [] }
        var out = Self.fit(StudyReport.Heading.verdict + ":")
        for s in report.verdict.sentences { out += wrap(s.text, first: "  ", indent: "    ") }
        return out + [""]
    }

    /// The version, date and command line; the compilers; the Linux
    /// results' origins.
    private func header() -> [String] {
        var out: [String] = []
        if let t = report.tool { out += wrap("pvsites \(t.version), \(t.date): \(t.command)", first: "  ", indent: "    ") }
        out.append("  " + report.compilers.map(\.short).joined(separator: ", "))
        // The Linux results first of all: what each is, and how to redo it.
        for l in report.linux {
            out += wrap(l.headline, first: "  ", indent: "    ")
            if let c = l.command { out += wrap(l.commandLead + c, first: "    ", indent: "      ") }
        }
        return out
    }

    /// Under the verdict: a table of found and patchable per annotated,
    /// then the objections; at most `summaryLines` (rows from the end of
    /// the corpus's are dropped to fit: the full table is in markdown).
    func bottomLine(budget: Int) -> [String] {
        let b = report.bottomLine
        guard !b.rows.isEmpty else { return [] }
        let objections = b.objections.flatMap { Self.fit("  " + $0) }
        // The rows that fit, by priority, in their own order.
        // The title, two heading lines, the asm note (as long as with every
        // row: at least as long as with those kept), the objections' heading.
        let noteLines = Self.fit("  " + Self.asmNote(b.rows)).count
        let room = max(1, budget - 4 - noteLines - objections.count)
        let kept = Set(b.rows.indices.sorted { (b.rows[$0].priority, $0) < (b.rows[$1].priority, $1) }.prefix(room))
        let rows = b.rows.indices.filter(kept.contains).map { b.rows[$0] }
        let labelWidth = max(20, (rows.map(\.label.count).max() ?? 0) + 3)
        // Found, patchable and found's percent per column; the percent
        // gives way when three columns leave no room for it (the verdict
        // and markdown have it).
        let columnWidth: Int = (Self.width - labelWidth - 6) / max(1, b.columns.count)
        let withPercent = columnWidth >= 19
        let wFound: Int = withPercent ? columnWidth - 13 : columnWidth / 2
        let wPat: Int = withPercent ? 6 : columnWidth - columnWidth / 2
        let wPct: Int = withPercent ? 7 : 0
        var out = ["Annotated C sites a scan finds, patchable in place; \(b.scope):"]
        var names = TextTable.pad("", labelWidth) + TextTable.padLeft("ann", 6)
        var heads = TextTable.pad("", labelWidth + 6)
        for column in b.columns {
            names += TextTable.padLeft(column.label, wFound + wPat + wPct)
            heads += TextTable.padLeft("fnd", wFound) + TextTable.padLeft("pat", wPat)
            if withPercent { heads += TextTable.padLeft("%", wPct) }
        }
        out += [names, heads]
        for r in rows {
            var line = "  " + TextTable.pad(r.label, labelWidth - 2) + TextTable.padLeft(String(r.annotated), 6)
            for i in b.columns.indices {
                line += TextTable.padLeft(r.found[i].map(String.init) ?? "-", wFound)
                line += TextTable.padLeft(r.patchableText(i), wPat)
                if withPercent { line += TextTable.padLeft(r.percent(i), wPct) }
            }
            out.append(line)
        }
        out += Self.fit("  " + Self.asmNote(rows))
        out.append("2007 objections, \(b.objectionScope):")
        out += objections
        return out
    }

    /// Under the bottom line: where the hand-written asm sites went.
    public static func asmNote(_ rows: [BottomLine.Row]) -> String {
        let mixed = rows.filter { $0.asm == nil }.map(\.label)
        let apart = Set(rows.compactMap(\.asm).filter { $0 > 0 }).sorted().map(String.init)
        let unfound = rows.filter { ($0.asm ?? 0) > 0 && !$0.asmAllFound }.map(\.label)
        var note = "asm sites apart (hand-written): "
            + (apart.isEmpty ? "none" : apart.joined(separator: "/") + " per row, "
                + (unfound.isEmpty ? "all found" : "not all found in " + unfound.joined(separator: ", ")))
        if !mixed.isEmpty {
            note = mixed.count == rows.count ? "C and asm together in every row (the result does not split them)"
                : note + "; C and asm together in " + mixed.joined(separator: ", ")
        }
        return note
    }

    /// The bottom line fits in this many lines (the verdict above it has
    /// at most `Verdict.maxSentences` sentences).
    public static let summaryLines = 20

    private func table(_ t: StudyReport.Table) -> [String] {
        let widest = t.rows.flatMap { r in r.cells.values.map(\.annotated) }.max() ?? 0
        let linked = t.linkedSame + t.rows.filter(t.marksLinked).count > 0
        var out = [t.title + (linked ? " (ld: linked, where it differs)" : "")]
        out += widest < 1000 ? wide(t) : long(t)
        let c = t.control
        out.append("  control \(c.found)/\(c.annotated) found"
            + (c.asmLonger > 0 ? " (\(c.asmLonger) asm longer)" : "")
            + "; text \(t.textColumn) " + t.rows.filter { !t.marksLinked($0) }.map(t.ratio).joined(separator: " "))
        if let asm = t.asmLine { out.append("  " + asm) }
        if let alt = t.alternativesLine { out += wrap(alt, first: "  ", indent: "  ") }
        return out
    }

    /// Policies side by side, a row per opt level: 72 columns for counts
    /// below 1000.
    private func wide(_ t: StudyReport.Table) -> [String] {
        let policies = Policy.allCases
        // A guessing policy's missed is annotated less found and misplaced: left out.
        // The percent gives way to patchable in 72 columns (the bottom line,
        // markdown and HTML keep it).
        let columns = { (p: Policy) in
            StudyReport.Column.of(p).filter { (!p.guesses || $0 != .missed) && $0 != .percent }
        }
        let widths: [StudyReport.Column: Int] = [.found: 5, .patchable: 4, .percent: 4, .misplaced: 5, .missed: 5,
                                                 .sizeMismatched: 4, .spurious: 4]
        var head1 = "          ", head2 = "  opt  ann"
        for p in policies {
            let cols = columns(p)
            let w = cols.reduce(0) { $0 + widths[$1]! }
            head1 += TextTable.pad("  " + p.rawValue, w)
            head2 += cols.map { TextTable.padLeft($0.rawValue, widths[$0]!) }.joined()
        }
        var out = [head1, head2]
        for r in t.rows {
            var line = "  " + TextTable.pad(t.marksLinked(r) ? "ld" : r.opt, 4) + TextTable.padLeft(String(r.annotated), 4)
            for p in policies {
                let cells = r.cells[p] ?? .zero
                line += columns(p).map { TextTable.padLeft(cells.value($0), widths[$0]!) }.joined()
            }
            out.append(line)
        }
        return out
    }

    /// A row per configuration and policy, for four-digit counts.
    private func long(_ t: StudyReport.Table) -> [String] {
        // Patchable in, the percent out: 72 columns.
        let columns = StudyReport.Column.allCases.filter { $0 != .percent }
        var out = ["  " + TextTable.pad("config", 18) + TextTable.pad("policy", 9) + TextTable.padLeft("ann", 6)
            + columns.map { TextTable.padLeft($0.rawValue, $0 == .percent ? 5 : 6) }.joined()]
        // Where the Linux A/B leads a corpus report, the guessing policy's
        // rows only in the full report (the corpus tables show what it does).
        let short = !report.options.full && report.tables.contains { $0.kernel == nil }
        let policies = Policy.allCases.filter { !short || !$0.guesses }
        for r in t.rows {
            for (i, p) in policies.enumerated() {
                let cells = r.cells[p] ?? .zero
                let label = i == 0 ? (t.marksLinked(r) ? "ld " : "") + r.label : ""
                out.append("  " + TextTable.pad(label, 18) + TextTable.pad(p.rawValue, 9)
                    + TextTable.padLeft(String(r.annotated), 6)
                    + columns.map { TextTable.padLeft(cells.value($0), $0 == .percent ? 5 : 6) }.joined())
            }
        }
        return out
    }

    private func otherCompilers(_ o: StudyReport.CompilerTable) -> [String] {
        var out = [StudyReport.Heading.otherCompilers]
        out.append("  " + TextTable.pad("", 20) + o.opts.map { TextTable.padLeft($0, 8) }.joined())
        for l in o.lines {
            out.append("  " + TextTable.pad("\(l.compiler) \(l.variant)", 20) + l.cells.map { TextTable.padLeft($0, 8) }.joined())
        }
        return out
    }

    private func byOp() -> [String] {
        let t = report.byOp
        var out = ["\(StudyReport.Heading.byOp) (\(t.title))"]
        // 72 columns with the longest cause (pointer-in-register).
        let found = StudyReport.OpTable.columns.compactMap { c -> String? in
            if case .found(let p) = c.measure { return "\(c.abbreviation) \(p.rawValue)" }
            return nil
        }
        out.append("  (found by " + found.joined(separator: ", ") + "; mis missed; sites)")
        out.append("  " + TextTable.pad("op", 20)
            + StudyReport.OpTable.columns.map { TextTable.padLeft($0.abbreviation, 5) }.joined() + " top cause")
        for l in t.lines {
            out.append("  " + TextTable.pad(l.op, 20) + l.counts.map { TextTable.padLeft(String($0), 5) }.joined()
                + (l.topCause.map { " " + $0 } ?? ""))
        }
        return out
    }

    private func causes() -> [String] {
        let policies = StudyReport.CauseTable.policies
        var out = Self.fit("  " + StudyReport.Heading.causesScope)
        out.insert(TextTable.pad(StudyReport.Heading.causes, 46) + policies.map { TextTable.padLeft($0.rawValue, 10) }.joined(), at: 0)
        for section in report.causes.sections where section.title != StudyReport.CauseTable.sitesTitle {
            for row in section.rows {
                out.append("  " + TextTable.pad(row.label, 44) + row.counts.map { TextTable.padLeft(String($0), 10) }.joined())
            }
        }
        return out
    }

    /// An example as the report prints it (docs/causes.md quotes these):
    /// the title, the op and source line, the site and one instruction
    /// either side; within the width.
    public static func exampleLines(_ e: Example, addend: Bool = true) -> [String] {
        var out = [e.title]
        out.append("  \(e.op), \(e.position)" + (e.lengths.map { ", length \($0)" } ?? "")
            + (e.sourceLine.isEmpty ? "" : ": " + e.sourceLine))
        let site = e.instructions.firstIndex { $0.hasPrefix(">") } ?? 0
        // The object file, so a reader can run objdump on it.
        if let build = e.buildLabel {
            out.append("    " + (e.object.map { "\($0), " } ?? "") + build)
        } else if let object = e.object {
            out.append("    \(object)")
        }
        for line in e.instructions[max(0, site - 1) ..< min(e.instructions.count, site + 2)] { out.append("    \(line)") }
        if let recorded = e.recorded { out.append("    annotated build: \(recorded)") }
        if let shared = e.sharedCall { out.append("    the shared call: \(shared)") }
        if let note = e.clobberNote { out.append("    \(note)") }
        if addend, let note = e.addendNote { out.append("    \(note)") }
        return out.flatMap(fit)
    }

    /// Word-wrap to the report width.
    /// `text` wrapped at the width, its first line after `first`, the
    /// others after `indent` (`wrap(_:indent:)` keeps no leading blanks).
    private func wrap(_ text: String, first: String, indent: String) -> [String] {
        var lines: [String] = []
        var line = first, empty = true
        for word in text.split(separator: " ") {
            if !empty && line.count + 1 + word.count > Self.width {
                lines.append(line)
                line = indent + word
            } else {
                line += (empty ? "" : " ") + word
            }
            empty = false
        }
        if !empty { lines.append(line) }
        return lines
    }

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

    /// ASCII only, and no line past the width: a longer line is wrapped
    /// at blanks (a word wider than the line is split), its continuation
    /// indented two more than the line; nothing is cut.
    static func fit(_ line: String) -> [String] {
        let ascii = TextTable.ascii(line)
        guard ascii.count > width else { return [ascii] }
        let lead = ascii.prefix { $0 == " " }.count
        let indent = String(repeating: " ", count: min(lead + 2, width / 2))
        var out: [String] = []
        var current = Substring(ascii)
        var first = true
        while !current.isEmpty {
            let prefix = first ? "" : indent
            let room = width - prefix.count
            if current.count <= room {
                out.append(prefix + current)
                break
            }
            // The last blank within the room, past the indentation.
            let window = current.prefix(room + 1)
            let start = first ? lead : 0
            var cut = window.lastIndex(of: " ")
            if let c = cut, current.distance(from: current.startIndex, to: c) <= start { cut = nil }
            if let c = cut {
                var head = String(current[..<c])
                while head.hasSuffix(" ") { head.removeLast() }
                out.append(prefix + head)
                current = current[current.index(after: c)...].drop { $0 == " " }
            } else {
                let c = current.index(current.startIndex, offsetBy: room)
                out.append(prefix + current[..<c])
                current = current[c...]
            }
            first = false
        }
        return out
    }
}
