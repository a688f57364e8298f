import CorpusBuild

/// What a study measured before it is judged (objections, totals): the
/// corpus study and the Linux A/B both make one, and `StudyResult` is
/// made of it. It lives here, below both, so that Kernel need not import
/// Study.
public struct MeasuredStudy: Sendable {
    /// What was studied: the corpus directory, or the Linux A/B's title.
    public let title: String
    /// Compiler name → `--version` first line.
    public let compilers: [String: String]
    public let skipped: [SkippedCompiler]
    public let configs: [ConfigResult]
    public let examples: [Example]
    public let failures: [BuildFailure]
    public let warnings: [BuildWarning]
    /// The Linux A/B's source: Debian's package and version
    /// (`linux-source-6.1 6.1.158-1`), or the user's tree; nil for a corpus.
    public var kernelSource: String? = nil

    public init(title: String, compilers: [String: String], skipped: [SkippedCompiler], configs: [ConfigResult],
                examples: [Example], failures: [BuildFailure], warnings: [BuildWarning] = []) {
        self.title = title
        self.compilers = compilers
        self.skipped = skipped
        self.configs = configs
        self.examples = examples
        self.failures = failures
        self.warnings = warnings
    }
}
