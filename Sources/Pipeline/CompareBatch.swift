import Compare
import ELF
import MacroSites
import RelocSites

/// `pvsites compare`'s analysis: both strategies on the same files
/// (same-object, in parallel, input order kept), or an annotated build
/// against a plain one (cross-build).
public struct CompareBatch: Sendable {
    /// One comparison: a file (same-object), or `path` vs `plain` (cross-build).
    public struct File: Sendable {
        public let path: String
        public let plain: String?
        public let comparison: Comparison
    }

    public let mode: CompareMode
    public let policy: Policy
    public let files: [File]
    public let failures: [FileFailure]

    /// Same-object: for each file, its annotated sites against its own scan.
    public init(sameObject paths: [String], policy: Policy, tableSymbol: String? = nil, sourcePositions: Bool) {
        let batch = Batch(paths: paths) { file -> File in
            let analysis = try Analysis(file: file, policies: [policy],
                                        options: Analysis.Options(tableSymbol: tableSymbol, sourcePositions: sourcePositions))
            return File(path: file.path, plain: nil, comparison: analysis.comparisons[policy]!)
        }
        mode = .sameObject
        self.policy = policy
        files = batch.results
        failures = batch.failures
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
                    failures = [FileFailure(path: annotated, message: Self.noRecords(analysis.macro, plain: p, tableSymbol))]
                } else {
                    files = [File(path: annotated, plain: plain, comparison: analysis.comparisons[policy]!)]
                    failures = []
                }
            } catch {
                files = []
                failures = [FileFailure(path: plain, error: error)]
            }
        } catch {
            files = []
            failures = [FileFailure(path: annotated, error: error)]
        }
    }

    /// `no annotated records (.parainstructions); are --annotated and
    /// --plain swapped?` when the plain build has them.
    static func noRecords(_ macro: MacroScan, plain: ObjectFile, _ tableSymbol: String?) -> String {
        let what = "no annotated records (\(macro.section ?? ".parainstructions"))"
        let other = try? MacroScan(file: plain, options: MacroOptions(tableSymbol: tableSymbol, sourcePositions: false))
        if let other, !other.sites.isEmpty { return what + "; are --annotated and --plain swapped?" }
        return what + "; --annotated wants the build with the annotated macros"
    }
}
