import Foundation
import RelocSites
import Study

/// `pvsites diff`: a `StudyDiff` as text (bloat-o-meter's shape: a line of
/// counts, a block per configuration and policy that changed, a line of
/// totals) or JSON.
public struct DiffReport: Sendable {
    public let diff: StudyDiff
    public let oldPath: String
    public let newPath: String

    public init(_ diff: StudyDiff, oldPath: String, newPath: String) {
        self.diff = diff
        self.oldPath = oldPath
        self.newPath = newPath
    }

    /// `+0x148 @ paravirt.h:340 <- apic_time.c:12`, after the op's name.
    static func site(_ c: StudyDiff.SiteChange) -> String {
        (c.op.map { $0 + " " } ?? "") + c.key.description
    }

    static func signed(_ n: Int) -> String { n > 0 ? "+\(n)" : "\(n)" }

    /// `+0.49%`, or `-` without a base.
    static func percent(_ old: Int, _ new: Int) -> String {
        guard old > 0 else { return "-" }
        return String(format: "%+.2f%%", Double(new - old) * 100 / Double(old))
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    public func text() -> String {
        var out: [String] = []
        let d = diff
        let compilers = d.oldCompilers == d.newCompilers ? d.newCompilers.joined(separator: ", ")
            : "\(d.oldCompilers.joined(separator: ", ")) -> \(d.newCompilers.joined(separator: ", "))"
        out.append("pvsites diff \(oldPath) \(newPath) (\(compilers))")
        out.append("found/lost: \(d.count(.found))/\(d.count(.missed)) sites, spurious new/gone: "
            + "\(d.count(.spuriousAdded))/\(d.count(.spuriousRemoved)), causes changed: \(d.count(.cause)); "
            + "\(d.rows.count) of \(d.cells) configs x policies changed")
        for group in d.groups {
            out.append("")
            let row = group.rows[0]
            let (a, b) = (row.old, row.new)
            // `kernel -O2 object+linked, decoded+dataflow:`, then the deltas;
            // one row alone gives its numbers too.
            let c = row.config
            let name = StudyDiff.ConfigID(compiler: c.compiler, variant: c.variant, opt: c.opt, link: c.link, form: nil,
                                          kernel: c.kernel, retpoline: c.retpoline, scope: c.scope).description
                .replacingOccurrences(of: " " + c.link.rawValue, with: " " + group.links.map(\.rawValue).joined(separator: "+"))
                + (c.form.map { " " + $0 } ?? "")
            var parts: [String] = []
            let alone = group.rows.count == 1
            for (word, x, y) in [("found", a.found, b.found), ("annotated", a.annotated, b.annotated),
                                 ("missed", a.missed, b.missed), ("spurious", a.spurious, b.spurious)]
            where x != y || word == "found" {
                parts.append(alone ? "\(word) \(x) -> \(y) (\(Self.signed(y - x)))" : "\(word) \(Self.signed(y - x))")
            }
            out.append("\(name), \(group.policies.map(\.rawValue).joined(separator: "+")): " + parts.joined(separator: ", "))
            for c in row.sites {
                switch c.kind {
                case .found:
                    out.append("  + found    " + Self.site(c) + (c.oldCause.map { " (was missed: \($0.rawValue))" } ?? ""))
                case .missed:
                    out.append("  - missed   " + Self.site(c) + (c.newCause.map { " (\($0.rawValue))" } ?? ""))
                case .cause:
                    out.append("  ~ missed   " + Self.site(c) + " (\(c.oldCause?.rawValue ?? "-") -> \(c.newCause?.rawValue ?? "-"))")
                case .spuriousAdded:
                    out.append("  + spurious " + Self.site(c) + (c.newCause.map { " (\($0.rawValue))" } ?? ""))
                case .spuriousRemoved:
                    out.append("  - spurious " + Self.site(c) + (c.oldCause.map { " (\($0.rawValue))" } ?? ""))
                }
            }
        }
        if !d.onlyOld.isEmpty || !d.onlyNew.isEmpty { out.append("") }
        for c in d.onlyOld { out.append("only in \(oldPath): \(c)") }
        for c in d.onlyNew { out.append("only in \(newPath): \(c)") }
        if !d.rows.isEmpty || !d.onlyOld.isEmpty || !d.onlyNew.isEmpty { out.append("") }
        // One line: per policy, found before and after over the paired configurations.
        let totals = Policy.allCases.compactMap { p -> String? in
            guard let t = d.totals[p] else { return nil }
            return "\(p.rawValue) \(t.old.found) -> \(t.new.found) (\(Self.percent(t.old.found, t.new.found)))"
        }
        out.append("Total found: " + (totals.isEmpty ? "no configuration in common" : totals.joined(separator: ", ")))
        return out.joined(separator: "\n") + "\n"
    }

    /// The JSON of `pvsites diff --format json`.
    public struct JSON: Encodable {
        struct Side: Encodable {
            let path: String
            let compilers: [String]
        }

        struct Summary: Encodable {
            let found: Int
            let missed: Int
            let causesChanged: Int
            let spuriousAdded: Int
            let spuriousRemoved: Int
            let paired: Int
            let cells: Int
            let changed: Int

            enum CodingKeys: String, CodingKey {
                case found, missed, paired, cells, changed
                case causesChanged = "causes_changed"
                case spuriousAdded = "spurious_added"
                case spuriousRemoved = "spurious_removed"
            }
        }

        struct Total: Encodable {
            let old: StudyDiff.Numbers
            let new: StudyDiff.Numbers
        }

        struct Change: Encodable {
            let config: String
            let policy: Policy
            let old: StudyDiff.Numbers
            let new: StudyDiff.Numbers
            let sites: [StudyDiff.SiteChange]
        }

        var schema = 1
        let old: Side
        let new: Side
        let acrossCompilers: Bool
        let summary: Summary
        let totals: [Policy: Total]
        let changes: [Change]
        let onlyOld: [String]
        let onlyNew: [String]

        enum CodingKeys: String, CodingKey {
            case schema, old, new, summary, totals, changes
            case acrossCompilers = "across_compilers"
            case onlyOld = "only_old"
            case onlyNew = "only_new"
        }
    }

    public func json() throws -> String {
        let d = diff
        var totals: [Policy: JSON.Total] = [:]
        for (p, t) in d.totals { totals[p] = JSON.Total(old: t.old, new: t.new) }
        let value = JSON(
            old: .init(path: oldPath, compilers: d.oldCompilers), new: .init(path: newPath, compilers: d.newCompilers),
            acrossCompilers: d.acrossCompilers,
            summary: .init(found: d.count(.found), missed: d.count(.missed), causesChanged: d.count(.cause),
                           spuriousAdded: d.count(.spuriousAdded), spuriousRemoved: d.count(.spuriousRemoved),
                           paired: d.paired, cells: d.cells, changed: d.rows.count),
            totals: totals,
            changes: d.rows.map { .init(config: $0.config.description, policy: $0.policy, old: $0.old, new: $0.new, sites: $0.sites) },
            onlyOld: d.onlyOld.map(\.description), onlyNew: d.onlyNew.map(\.description))
        return try JSONOutput.encode(value)
    }
}
