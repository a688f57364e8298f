import CorpusBuild
import Compare
import Pipeline
import RelocSites
import SiteModel

/// Everything one study measured: the JSON report is this value, and the
/// text, markdown and HTML reports render it.
public struct StudyResult: Codable, Sendable {
    /// Bumped when a field changes meaning or goes away.
    public static let currentSchema = 1

    public var schema = StudyResult.currentSchema
    public let corpus: String
    /// Compiler name → `--version` first line.
    public let compilers: [String: String]
    public let skipped: [SkippedCompiler]
    /// Totals over every configuration of the plain form, for the
    /// dataflow policy (the best the scan can do), named in the JSON;
    /// `by_policy` has all three.
    public let summary: PolicySummary
    public let byPolicy: [Policy: Counts]
    /// The same totals per form (`plain` equals `by_policy`); nil in a
    /// study written before the direct form.
    public let byForm: [Form: [Policy: Counts]]?
    public let configs: [ConfigResult]
    public let objections: [Objection]
    public let examples: [Example]
    public let failures: [BuildFailure]
    /// What the compilers and the linker warned about while building the
    /// corpus (one per diagnostic: config, mode, file, first line). Nil
    /// only in a study written before warnings were kept.
    public let warnings: [BuildWarning]?
    /// The Linux A/B results the report leads with, each a `pvsites kernel
    /// study` result (recorded in the repository, or this machine's own, or
    /// named with `--linux`). Empty: looked for, none found (the reports
    /// say so in one line); nil: not looked for (`--no-linux`, or a kernel
    /// study itself).
    public var linux: [LinuxResult]? {
        get { storedLinux?.results }
        set { storedLinux = newValue.map(LinuxResults.init) }
    }
    var storedLinux: LinuxResults? = nil
    /// The boot proof's boots the objections cite (`pvsites kernel boot`:
    /// recorded, or this machine's newer ones); nil: none looked for or
    /// found.
    public var boots: [BootEvidence]? = nil
    /// A kernel study's source: Debian's package and version, or the
    /// user's tree (nil for a corpus study).
    public var kernelSource: String? = nil
    /// What each corpus file is (configs.json `shapes`), by file name; nil
    /// when the corpus declares none (and for a kernel study).
    public var shapes: [String: CorpusShape]? = nil

    /// Which pvsites made the study, how it was asked, and when; nil in a
    /// study written before it was recorded (and in tests' fixed results).
    public var tool: Tool?

    /// `"tool"`: the run that made a result (Pipeline, shared with the
    /// kernel boots' results).
    public typealias Tool = RunStamp

    enum CodingKeys: String, CodingKey {
        case schema, tool, corpus, compilers, skipped, summary, configs, objections, examples, failures, warnings, shapes
        case boots
        case storedLinux = "linux"
        case kernelSource = "kernel_source"
        case byPolicy = "by_policy"
        case byForm = "by_form"
    }

    /// What the corpus study or the Linux A/B measured, judged.
    public init(_ measured: MeasuredStudy) {
        self.init(corpus: measured.title, compilers: measured.compilers, skipped: measured.skipped,
                  configs: measured.configs, examples: measured.examples, failures: measured.failures,
                  warnings: measured.warnings)
        kernelSource = measured.kernelSource
    }

    public init(corpus: String, compilers: [String: String], skipped: [SkippedCompiler], configs: [ConfigResult],
                examples: [Example], failures: [BuildFailure], warnings: [BuildWarning] = []) {
        self.corpus = corpus
        self.compilers = compilers
        self.skipped = skipped
        self.configs = configs
        self.examples = examples
        self.failures = failures
        self.warnings = warnings
        let counted = Self.counted(configs)
        var forms: [Form: [Policy: Counts]] = [:]
        for form in Form.allCases {
            let rows = counted.filter { $0.form == form }
            guard form == .plain || !rows.isEmpty else { continue }
            var by: [Policy: Counts] = [:]
            for p in Policy.allCases {
                by[p] = rows.reduce(Counts()) { $0 + ($1.policies[p] ?? Counts()) }
            }
            forms[form] = by
        }
        byForm = forms
        byPolicy = forms[.plain] ?? [:]
        summary = PolicySummary(policy: .dataflow, counts: byPolicy[.dataflow] ?? Counts())
        objections = Objection.measure(counted.filter { $0.form == .plain })
            + Objection.direct(counted)
    }
}

extension StudyResult {
    /// The rows that totals and objections add up: all but a Linux subset
    /// row whose configuration and form also has a whole-tree row (the
    /// tree holds the subset's pairs: counted twice otherwise).
    public static func counted(_ configs: [ConfigResult]) -> [ConfigResult] {
        configs.filter { c in
            c.scope != .subset || !configs.contains {
                $0.scope == .tree && $0.kernel == c.kernel && $0.configuration == c.configuration && $0.form == c.form
            }
        }
    }

    /// `3 compiler warnings (clang-14 kernel -O0: 2, clang-14 kernel -O2: 1)`,
    /// nil when the build printed none: the header line of the reports.
    public var warningSummary: String? {
        guard let w = warnings, !w.isEmpty else { return nil }
        return BuildWarning.summary(w)
    }
}
