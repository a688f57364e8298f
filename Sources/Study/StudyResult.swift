import CorpusBuild
import Compare
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
    /// The Linux A/B's configurations, when a `pvsites kernel study` result
    /// was found (or named with `--linux`): the report leads with them.
    public var linux: LinuxAB? = nil

    /// Which pvsites made the study, how it was asked, and when; nil in a
    /// study written before it was recorded (and in tests' fixed results).
    public var tool: Tool?

    /// `"tool": {"version": ..., "command": ..., "date": ...}`.
    public struct Tool: Codable, Sendable, Hashable {
        /// `git describe --always --dirty` at build time (`pvsites --version`).
        public let version: String
        /// The command line, words quoted for a POSIX shell where needed.
        public let command: String
        /// When the study ran: ISO 8601, UTC (`2025-12-01T13:40:00Z`).
        public let date: String

        public init(version: String, command: String, date: String) {
            self.version = version
            self.command = command
            self.date = date
        }

        /// `arguments` (argv) as one line a shell would read back the same.
        public static func commandLine(_ arguments: [String]) -> String {
            arguments.map { word in
                let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
                return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
            }.joined(separator: " ")
        }
    }

    enum CodingKeys: String, CodingKey {
        case schema, tool, corpus, compilers, skipped, summary, configs, objections, examples, failures, warnings, linux
        case byPolicy = "by_policy"
        case byForm = "by_form"
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
        var forms: [Form: [Policy: Counts]] = [:]
        for form in Form.allCases {
            let rows = configs.filter { $0.form == form }
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
        objections = Objection.measure(configs.filter { $0.form == .plain })
            + Objection.direct(configs)
    }
}

extension StudyResult {
    /// `3 compiler warnings (clang-14 kernel -O0: 2, clang-14 kernel -O2: 1)`,
    /// nil when the build printed none: the header line of the reports.
    public var warningSummary: String? {
        guard let w = warnings, !w.isEmpty else { return nil }
        return BuildWarning.summary(w)
    }
}

/// A Linux A/B result carried by a corpus study.
public struct LinuxAB: Codable, Sendable {
    /// The file it was read from.
    public let source: String
    /// The A/B's title: `the Linux 6.1 A/B: linux-source-6.1 ...`.
    public let title: String
    public let configs: [ConfigResult]

    public init(source: String, result: StudyResult) {
        self.source = source
        title = result.corpus
        configs = result.configs
    }
}

public struct SkippedCompiler: Codable, Sendable, Hashable {
    public let compiler: String
    public let reason: String

    public init(compiler: String, reason: String) {
        self.compiler = compiler
        self.reason = reason
    }
}

/// One (compiler, variant, opt, link) cell of the study.
public struct ConfigResult: Codable, Sendable {
    /// Text bytes of each build of the configuration (executable
    /// PROGBITS sections): one field per form, the same in every row of
    /// the configuration and link; `direct` nil where no direct build was
    /// made. A direct image's text includes its trampolines.
    public struct TextBytes: Codable, Sendable {
        public let annotated: Int
        public var plain: Int
        public var direct: Int?

        public init(annotated: Int, plain: Int, direct: Int? = nil) {
            self.annotated = annotated
            self.plain = plain
            self.direct = direct
        }

        /// The bytes of `form`'s build (nil when it was not built).
        public func bytes(_ form: Form) -> Int? { form == .plain ? plain : direct }
    }

    /// A missed or spurious site, by key, for the gate.
    public struct KeyedOutcome: Codable, Sendable, Hashable, Comparable {
        /// Portable (file names without directories), so baselines hold across machines.
        public let key: SiteKey
        public let cause: Cause?

        public init(key: SiteKey, cause: Cause?) {
            self.key = key.portable
            self.cause = cause
        }

        public static func < (a: KeyedOutcome, b: KeyedOutcome) -> Bool {
            (a.key, a.cause?.rawValue ?? "") < (b.key, b.cause?.rawValue ?? "")
        }
    }

    public struct PolicyKeys: Codable, Sendable {
        public let missed: [KeyedOutcome]
        public let spurious: [KeyedOutcome]
    }

    /// Objection 1: references by use in the plain build.
    public struct References: Codable, Sendable {
        public let total: Int
        public let byUse: [ReferenceUse: Int]
        public let confirmedBySweep: Int
        /// References through the GOT (`-fPIC`).
        public let viaGOT: Int
        /// In a linked image: GOT references of the objects that the linker
        /// relaxed away (`mov sym@GOTPCREL(%rip)` became `lea sym(%rip)`,
        /// and `--emit-relocs` rewrote the kept relocation to PC32): what
        /// the reloc points at changed under the scan. Objection 5.
        public var relaxed: Int

        enum CodingKeys: String, CodingKey {
            case total, relaxed
            case byUse = "by_use"
            case confirmedBySweep = "confirmed_by_sweep"
            case viaGOT = "via_got"
        }
    }

    /// Objection 3: annotated sites whose clobbers are narrower than the C ABI.
    public struct Clobbers: Codable, Sendable {
        public let annotatedC: Int
        public let annotatedAsm: Int
        public let narrowC: Int
        public let narrowAsm: Int

        enum CodingKeys: String, CodingKey {
            case annotatedC = "annotated_c"
            case annotatedAsm = "annotated_asm"
            case narrowC = "narrow_c"
            case narrowAsm = "narrow_asm"
        }
    }

    public let compiler: String
    public let variant: String
    public let opt: String
    public let link: LinkForm
    /// The form compared with the annotated build (`form` in JSON; a
    /// result written before the direct form was plain).
    public var form: Form {
        get { storedForm ?? .plain }
        set { storedForm = newValue }
    }
    var storedForm: Form? = nil
    public var textBytes: TextBytes
    /// Counts of the cross-build comparison, per policy.
    public let policies: [Policy: Counts]
    /// RelocSites (decoded) on the annotated build itself, same-object: the
    /// scan must find every annotated site there.
    public let control: Counts
    /// Of the control's size mismatches, those at hand-written asm sites
    /// whose record covers register saves around the call (Linux's
    /// PV_SAVE_REGS pattern): the call is found, the site is longer.
    public let controlSizeMismatchedAsm: Int
    public var references: References
    public let clobbers: Clobbers
    /// The missed and spurious site keys, per policy.
    public let keys: [Policy: PolicyKeys]
    /// The Linux A/B only: the kernel version (`6.1`), `on` or `off`
    /// for retpolines, and the number of object pairs compared.
    public var kernel: String? = nil
    public var retpoline: String? = nil
    public var objects: Int? = nil
    /// Per op: annotated sites and what each policy made of them, by field
    /// offset. Nil only in a study written before ops were kept.
    public var ops: [OpTally]? = nil

    enum CodingKeys: String, CodingKey {
        case compiler, variant, opt, link, policies, control, references, clobbers, keys
        case kernel, retpoline, objects, ops
        case storedForm = "form"
        case textBytes = "text_bytes"
        case controlSizeMismatchedAsm = "control_size_mismatched_asm"
    }

    public var configuration: BuildConfiguration { BuildConfiguration(compiler: compiler, variant: variant, opt: opt) }

    /// `gcc kernel -O2 object` (plain form), `gcc kernel -O2 object direct`:
    /// how configs are named in reports and the gate.
    public var name: String { "\(compiler) \(variant) \(opt) \(link)" + (form == .plain ? "" : " \(form)") }
}

/// One shown case of a cause: where, what the source says, what gcc emitted.
public struct Example: Codable, Sendable, Hashable {
    public let outcome: OutcomeKind
    public let cause: Cause?
    public let config: String
    public let policy: Policy
    public let op: String
    public let location: String
    /// `file:line` of the innermost frame, and that line's text.
    public let position: String
    public let sourceLine: String
    /// 2 to 4 instructions around the site, the site marked with `>`,
    /// each `> +0x1a: call *paravirt_ops+0x128(%rip)  # irq_disable` (the
    /// offset into `function`), or `func+0x1a:` outside it.
    public let instructions: [String]
    /// Annotated vs found length, for size mismatches.
    public let lengths: String?
    /// Which build the instructions come from: the annotated one (the
    /// site, a miss without a trace in the plain build) or the plain one.
    /// Nil in a study written before it was recorded.
    public var build: BuildMode? = nil
    /// The function the instructions are in (nil outside any function,
    /// and in a study written before it was recorded: then each
    /// instruction names its own).
    public var function: String? = nil
    /// Clobber-unsafe only: the registers a C call may clobber that the
    /// annotated record declares kept (`rcx`, `rdx`, ... in CLBR order):
    /// what patching in a plain call would break.
    public var unsafeRegisters: [String]? = nil

    enum CodingKeys: String, CodingKey {
        case outcome, cause, config, policy, op, location, position, instructions, lengths, build, function
        case sourceLine = "source_line"
        case unsafeRegisters = "unsafe_registers"
    }
}
