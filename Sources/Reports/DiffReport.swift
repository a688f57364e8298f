import Compare
import Foundation
import RelocSites
import Study

/// `pvsites diff`: a `StudyDiff` as text (a line of totals, a line of
/// counts, then a block per configuration and policy that changed, its
/// sites grouped by cause transition) or JSON.
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

    /// The heading of a cause transition: `+ found, was missed as
    /// pointer-in-register`, `~ missed, cause retpoline-thunk -> merged`.
    static func transition(_ kind: StudyDiff.SiteChange.Kind, _ was: Cause?, _ now: Cause?) -> String {
        switch kind {
        case .found: "+ found" + (was.map { ", was missed as \($0.rawValue)" } ?? "")
        case .missed: "- missed" + (now.map { " as \($0.rawValue)" } ?? "")
        case .cause: "~ missed, cause \(was?.rawValue ?? "-") -> \(now?.rawValue ?? "-")"
        case .spuriousAdded: "+ spurious" + (now.map { " (\($0.rawValue))" } ?? "")
        case .spuriousRemoved: "- spurious gone" + (was.map { " (\($0.rawValue))" } ?? "")
        }
    }

    /// The site changes of a row, grouped by cause transition in their
    /// order, each site once with how many times it changed so.
    static func siteLines(_ sites: [StudyDiff.SiteChange]) -> [String] {
        struct Transition: Hashable {
            let kind: StudyDiff.SiteChange.Kind
            let was: Cause?
            let now: Cause?
        }
        var order: [Transition] = []
        var members: [Transition: [String]] = [:]
        for c in sites {
            let t = Transition(kind: c.kind, was: c.oldCause, now: c.newCause)
            if members[t] == nil { order.append(t) }
            members[t, default: []].append(site(c))
        }
        var out: [String] = []
        for t in order {
            let list = members[t]!
            out.append("  " + transition(t.kind, t.was, t.now) + ": " + plural(list.count, "site"))
            var seen: [String] = []
            var times: [String: Int] = [:]
            for s in list {
                if times[s] == nil { seen.append(s) }
                times[s, default: 0] += 1
            }
            for s in seen { out.append("      " + s + (times[s]! > 1 ? " (x\(times[s]!))" : "")) }
        }
        return out
    }

    /// One line: per policy, annotated sites found before and after over
    /// the paired configurations.
    func totalLine() -> String {
        let d = diff
        let totals = Policy.allCases.compactMap { p -> String? in
            guard let t = d.totals[p] else { return nil }
            return "\(p.rawValue) \(t.old.found) -> \(t.new.found) (\(Self.percent(t.old.found, t.new.found)))"
        }
        return "Total found, site-configurations: " + (totals.isEmpty ? "no configuration in common" : totals.joined(separator: ", "))
    }

    public func text() -> String {
        var out: [String] = []
        let d = diff
        let compilers = d.oldCompilers == d.newCompilers ? d.newCompilers.joined(separator: ", ")
            : "\(d.oldCompilers.joined(separator: ", ")) -> \(d.newCompilers.joined(separator: ", "))"
        let variants = d.acrossVariants
            ? "; variant \(d.oldVariants.joined(separator: ", ")) -> \(d.newVariants.joined(separator: ", "))" : ""
        let kernels = d.acrossKernels
            ? "; Linux \(d.oldKernels.joined(separator: ", ")) -> \(d.newKernels.joined(separator: ", "))" : ""
        out.append("pvsites diff \(oldPath) \(newPath) (\(compilers)\(variants)\(kernels))")
        if d.acrossKernels {
            out.append("Rows paired by opt, retpolines, form, link and scope; counts only (site keys name "
                + "another source's lines)")
        }
        // The totals first, then what the changes were.
        out.append(totalLine())
        out.append("found/lost: \(d.count(.found))/\(d.count(.missed)) sites, spurious new/gone: "
            + "\(d.count(.spuriousAdded))/\(d.count(.spuriousRemoved)), causes changed: \(d.count(.cause)); "
            + "\(d.rows.count) of \(d.cells) configs x policies changed")
        for group in d.groups {
            out.append("")
            let row = group.rows[0]
            let (a, b) = (row.old, row.new)
            // `kernel -O2 object+linked, decoded+dataflow:`, then the deltas;
            // one row alone gives its numbers too.
            let name = row.config.fullName(links: group.links, formLast: true)
            var parts: [String] = []
            let alone = group.rows.count == 1
            for (word, x, y) in [("found", a.found, b.found), ("annotated", a.annotated, b.annotated),
                                 ("missed", a.missed, b.missed), ("spurious", a.spurious, b.spurious)]
            where x != y || word == "found" {
                parts.append(alone ? "\(word) \(x) -> \(y) (\(Self.signed(y - x)))" : "\(word) \(Self.signed(y - x))")
            }
            out.append("\(name), \(group.policies.map(\.rawValue).joined(separator: "+")): " + parts.joined(separator: ", ")
                + " sites")
            out += Self.siteLines(row.sites)
        }
        if !d.onlyOld.isEmpty || !d.onlyNew.isEmpty { out.append("") }
        for c in d.onlyOld { out.append("only in \(oldPath): \(c.fullName())") }
        for c in d.onlyNew { out.append("only in \(newPath): \(c.fullName())") }
        return out.joined(separator: "\n") + "\n"
    }

    /// The JSON of `pvsites diff --format json`.
    public struct JSON: Encodable {
        struct Side: Encodable {
            let path: String
            let compilers: [String]
            let variants: [String]
            let kernels: [String]
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
        let acrossVariants: Bool
        let acrossKernels: Bool
        let summary: Summary
        let totals: [Policy: Total]
        let changes: [Change]
        let onlyOld: [String]
        let onlyNew: [String]

        enum CodingKeys: String, CodingKey {
            case schema, old, new, summary, totals, changes
            case acrossCompilers = "across_compilers"
            case acrossVariants = "across_variants"
            case acrossKernels = "across_kernels"
            case onlyOld = "only_old"
            case onlyNew = "only_new"
        }
    }

    public func json() throws -> String {
        let d = diff
        var totals: [Policy: JSON.Total] = [:]
        for (p, t) in d.totals { totals[p] = JSON.Total(old: t.old, new: t.new) }
        let value = JSON(
            old: .init(path: oldPath, compilers: d.oldCompilers, variants: d.oldVariants, kernels: d.oldKernels),
            new: .init(path: newPath, compilers: d.newCompilers, variants: d.newVariants, kernels: d.newKernels),
            acrossCompilers: d.acrossCompilers, acrossVariants: d.acrossVariants, acrossKernels: d.acrossKernels,
            summary: .init(found: d.count(.found), missed: d.count(.missed), causesChanged: d.count(.cause),
                           spuriousAdded: d.count(.spuriousAdded), spuriousRemoved: d.count(.spuriousRemoved),
                           paired: d.paired, cells: d.cells, changed: d.rows.count),
            totals: totals,
            changes: d.rows.map { .init(config: $0.config.fullName(), policy: $0.policy, old: $0.old, new: $0.new, sites: $0.sites) },
            onlyOld: d.onlyOld.map { $0.fullName() }, onlyNew: d.onlyNew.map { $0.fullName() })
        return try JSONOutput.encode(value)
    }
}
