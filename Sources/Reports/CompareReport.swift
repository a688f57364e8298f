import Pipeline
import Compare
import RelocSites
import SiteModel

/// `pvsites compare`: both strategies on the same files (same-object), or
/// an annotated build against a plain one (cross-build).
public struct CompareReport: Codable, Sendable {
    public struct FileEntry: Codable, Sendable {
        /// The file (same-object), or `annotated` vs `plain` (cross-build).
        public let path: String
        public let plain: String?
        public let counts: Counts
        public let outcomes: [Outcome]
    }

    public var schema = 1
    public let mode: CompareMode
    public let policy: Policy
    public let summary: Counts
    public let files: [FileEntry]
    public let errors: [FileFailure]

    /// The comparisons laid out: per file its counts and outcomes, and the totals.
    public init(_ batch: CompareBatch) {
        mode = batch.mode
        policy = batch.policy
        files = batch.files.map {
            FileEntry(path: $0.path, plain: $0.plain, counts: $0.comparison.counts, outcomes: $0.comparison.outcomes)
        }
        errors = batch.failures
        summary = files.reduce(Counts()) { $0 + $1.counts }
    }

    /// The widest header line (a terminal, a mail with long paths).
    static let headerWidth = 100

    public func text() -> String {
        var out = ""
        for f in files {
            let c = f.counts
            // The header: one line when it fits in 100 columns, else the
            // file names on lines of their own and the counts under them.
            let counts = "\(c.annotated) annotated, \(c.found) found (\(policy.rawValue))"
            let names = f.plain.map { "\(f.path) vs \($0)" } ?? f.path
            if names.count + 2 + counts.count <= Self.headerWidth {
                out += names + ": " + counts + "\n"
            } else if let plain = f.plain {
                out += "annotated: \(f.path)\nplain:     \(plain)\n  \(counts)\n"
            } else {
                out += "\(f.path):\n  \(counts)\n"
            }
            out += "  matched \(c.matched), size-mismatched \(c.sizeMismatched), kind-mismatched \(c.kindMismatched),\n"
            out += "  clobber-unsafe \(c.clobberUnsafe), missed \(c.missed), spurious \(c.spurious)"
            out += c.inliningMatched > 0 ? " (\(c.inliningMatched) matched across inlining)\n" : "\n"
            for o in f.outcomes where o.kind != .matched {
                let s = o.site
                var line = "  " + TextTable.pad(o.kind.rawValue, 16) + TextTable.pad(s.location, 30) + s.op.description
                if let cause = o.cause { line += " (\(cause.rawValue))" }
                if o.kind == .sizeMismatched, let a = o.annotated, let r = o.found {
                    line += " \(a.length) vs \(r.length)"
                }
                out += line + "\n"
            }
        }
        let c = summary
        out += "total: \(c.annotated) annotated, \(c.matched) matched, \(c.sizeMismatched) size-mismatched, "
            + "\(c.kindMismatched) kind-mismatched,\n  \(c.clobberUnsafe) clobber-unsafe, \(c.missed) missed, "
            + "\(c.spurious) spurious (\(c.spuriousUnannotatedCall) unannotated calls, \(c.spuriousNonCall) non-calls)\n"
        return out
    }
}
