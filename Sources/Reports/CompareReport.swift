import Pipeline
import Compare
import MacroSites
import ELF
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

    /// Same-object: for each file, its annotated sites against its own scan.
    public init(sameObject paths: [String], policy: Policy, tableSymbol: String? = nil, sourcePositions: Bool) {
        let batch = Batch(paths: paths) { file -> FileEntry in
            let analysis = try Analysis(file: file, policies: [policy],
                                        options: Analysis.Options(tableSymbol: tableSymbol, sourcePositions: sourcePositions))
            let c = analysis.comparisons[policy]!
            return FileEntry(path: file.path, plain: nil, counts: c.counts, outcomes: c.outcomes)
        }
        mode = .sameObject
        self.policy = policy
        files = batch.results
        errors = batch.failures
        summary = files.reduce(Counts()) { $0 + $1.counts }
    }

    /// Cross-build: annotated sites of one build against the scan of another.
    public init(annotated: String, plain: String, policy: Policy, tableSymbol: String? = nil) {
        mode = .crossBuild
        self.policy = policy
        do {
            let a = try ObjectFile(path: annotated)
            do {
                let p = try ObjectFile(path: plain)
                let analysis = try Analysis(annotated: a, plain: p, policies: [policy],
                                            options: Analysis.Options(tableSymbol: tableSymbol))
                if analysis.macro.sites.isEmpty {
                    // Nothing to compare: most likely the two builds given the wrong way round.
                    files = []
                    errors = [FileFailure(path: annotated, message: Self.noRecords(analysis.macro, plain: p, tableSymbol))]
                } else {
                    let c = analysis.comparisons[policy]!
                    files = [FileEntry(path: annotated, plain: plain, counts: c.counts, outcomes: c.outcomes)]
                    errors = []
                }
            } catch {
                files = []
                errors = [FileFailure(path: plain, error: error)]
            }
        } catch {
            files = []
            errors = [FileFailure(path: annotated, error: error)]
        }
        summary = files.reduce(Counts()) { $0 + $1.counts }
    }

    /// `no annotated records (.parainstructions); are --annotated and
    /// --plain swapped?` when the plain build has them.
    static func noRecords(_ macro: MacroScan, plain: ObjectFile, _ tableSymbol: String?) -> String {
        let what = "no annotated records (\(macro.section ?? ".parainstructions"))"
        let other = try? MacroScan(file: plain, options: MacroOptions(tableSymbol: tableSymbol, sourcePositions: false))
        if let other, !other.sites.isEmpty { return what + "; are --annotated and --plain swapped?" }
        return what + "; --annotated wants the build with the annotated macros"
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
