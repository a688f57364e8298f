import Study
import Compare
import CorpusBuild
import Foundation
import RelocSites

/// The study as plain text for e-mail: at most 72 columns, ASCII, stable
/// order. Summary tables per variant and link form, the control, code size,
/// the causes, the five objections with their numbers, then examples.
public struct StudyTextReport {
    public static let width = 72
    let result: StudyResult

    public init(_ result: StudyResult) { self.result = result }

    public func render() -> String {
        var out: [String] = []
        out += wrap("pvsites study of \(result.corpus)", indent: "  ")
        for (name, version) in result.compilers.sorted(by: { $0.key < $1.key }) { out.append("  \(name): \(version)") }
        for s in result.skipped { out.append("  skipped \(s.compiler): \(s.reason)") }
        if let w = result.warningSummary { out.append("  " + w) }
        out.append("")
        out += wrap("Annotated sites (.parainstructions of the annotated build) against "
            + "the relocation scan of the plain build, matched by op and inline "
            + "chain of source lines. fnd = found (in any shape), mis = missed, "
            + "siz = found but of another length, spu = spurious; mis and spu leave "
            + "out sites the two builds copied a different number of times "
            + "(copies-differ, listed under Causes).")
        var compilers: [String] = []
        for c in result.configs where !compilers.contains(c.compiler) { compilers.append(c.compiler) }
        for compiler in compilers {
            for link in LinkForm.allCases {
                for variant in variants {
                    let rows = result.configs.filter { $0.compiler == compiler && $0.variant == variant && $0.link == link }
                    guard !rows.isEmpty else { continue }
                    out.append("")
                    out += table(variant: variant, link: link, rows: rows, compiler: compilers.count > 1 ? compiler : nil)
                }
            }
        }
        out.append("")
        out.append("Causes, over all configurations")
        for policy in [Policy.decoded, .dataflow] {
            let c = result.byPolicy[policy] ?? Counts()
            out.append("  \(policy.rawValue): \(c.annotated) annotated, \(found(c)) found, \(c.missed) missed, "
                + "\(c.spurious) spurious")
            for (cause, n) in c.causes.sorted(by: { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }) {
                out.append("    " + TextTable.padLeft(String(n), 6) + "  " + cause.rawValue)
            }
            if c.kindMismatched > 0 { out.append("    " + TextTable.padLeft(String(c.kindMismatched), 6) + "  kind-mismatched (call became a tail jmp)") }
            if c.sizeMismatched > 0 { out.append("    " + TextTable.padLeft(String(c.sizeMismatched), 6) + "  size-mismatched") }
            if c.inliningMatched > 0 { out.append("    " + TextTable.padLeft(String(c.inliningMatched), 6) + "  matched only by innermost line (inlined differently)") }
        }
        out.append("")
        out.append("The five objections (LKML, 17 March 2007)")
        for o in result.objections {
            out += wrap("\(o.number). \"\(o.claim)\": \(o.answer)", indent: "   ")
        }
        if !result.examples.isEmpty {
            out.append("")
            out.append("Examples")
            for e in result.examples {
                out.append("")
                let head = e.cause.map { "\(e.outcome.rawValue) (\($0.rawValue))" } ?? e.outcome.rawValue
                out.append("\(head), \(e.policy.rawValue), \(e.config)")
                out.append("  \(e.op) at \(e.position)" + (e.lengths.map { ", length \($0)" } ?? ""))
                if !e.sourceLine.isEmpty { out.append("    | \(e.sourceLine)") }
                for i in e.instructions { out.append("    \(i)") }
            }
        }
        if !result.failures.isEmpty {
            out.append("")
            out.append("Failures")
            for f in result.failures { out += wrap("  " + f.line, indent: "    ") }
        }
        return out.map(Self.fit).joined(separator: "\n") + "\n"
    }

    private var variants: [String] {
        var seen: [String] = []
        for c in result.configs where !seen.contains(c.variant) { seen.append(c.variant) }
        return seen
    }

    private func found(_ c: Counts) -> Int { c.found }

    private func table(variant: String, link: LinkForm, rows: [ConfigResult], compiler: String?) -> [String] {
        var out = [(compiler.map { "\($0), " } ?? "") + "variant \(variant), \(link == .object ? "objects" : "linked image (--emit-relocs)")"]
        let policies = Policy.allCases
        let cells = { (c: Counts) in [self.found(c), c.realMissed, c.sizeMismatched, c.realSpurious] }
        // Four-digit counts (a kernel) widen every column by one and drop
        // the gaps between policies, to stay within the width.
        let widest = rows.flatMap { r in policies.flatMap { cells(r.policies[$0] ?? Counts()) } }.max() ?? 0
        let w = max(4, String(widest).count + 1)
        let gap = w == 4 ? "  " : ""
        out.append("       " + policies.map { TextTable.pad($0.rawValue, 4 * w + gap.count) }.joined())
        out.append("  opt  " + policies.map { _ in ["fnd", "mis", "siz", "spu"].map { TextTable.padLeft($0, w) }.joined() + gap }.joined()
            + (w == 4 ? "text a/p" : " a/p"))
        for r in rows.sorted(by: { optOrder($0.opt) < optOrder($1.opt) }) {
            var line = "  " + TextTable.pad(r.opt, 5)
            for p in policies {
                line += cells(r.policies[p] ?? Counts()).map { TextTable.padLeft(String($0), w) }.joined() + gap
            }
            let a = r.textBytes.annotated, pl = r.textBytes.plain
            line += (w == 4 ? "" : " ") + (pl > 0 ? String(format: "%.2f", Double(a) / Double(pl)) : "-")
            out.append(line)
        }
        let control = rows.reduce(Counts()) { $0 + $1.control }
        let asm = rows.reduce(0) { $0 + $1.controlSizeMismatchedAsm }
        out.append("  control (scan of the annotated build): \(found(control)) of \(control.annotated) found,")
        out.append("    \(control.missed) missed, \(control.sizeMismatched - asm) size-mismatched"
            + (asm > 0 ? "; \(asm) asm sites longer (register saves)" : ""))
        return out
    }

    private func optOrder(_ o: String) -> Int { ["-O0", "-O1", "-O2", "-O3", "-Os"].firstIndex(of: o) ?? 9 }

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
        let ascii = String(line.unicodeScalars.map { $0.isASCII && ($0.value >= 32 || $0 == "\t") ? Character($0) : "?" })
            .replacingOccurrences(of: "\t", with: "  ")
        return ascii.count <= width ? ascii : String(ascii.prefix(width - 3)) + "..."
    }
}
