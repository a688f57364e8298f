import Compare
import CorpusBuild
import Foundation
import RelocSites
import Study
import Pipeline

/// The study as the reports show it, computed once from a `StudyResult`
/// (and the Linux A/B's, when there is one): the bottom line, the coverage
/// tables with their control lines, the per-op breakdown, the causes, the
/// objections, the examples and the failures. The text, markdown and HTML
/// reports lay this value out and compute nothing; the JSON report is the
/// `StudyResult` itself.
public struct StudyReport: Sendable {
    /// What the reader asked to see.
    public struct Options: Sendable {
        /// Every compiler's tables, not only the default compiler's (the
        /// others then get one condensed table).
        public var full: Bool
        /// How many examples, one per cause.
        public var examples: Int
        /// The per-op breakdown in the text report (markdown and HTML always
        /// have it).
        public var byOp: Bool

        public init(full: Bool = false, examples: Int = 6, byOp: Bool = false) {
            self.full = full
            self.examples = examples
            self.byOp = byOp
        }
    }

    public struct Compiler: Sendable, Hashable {
        public let name: String
        /// `--version` first line.
        public let version: String

        /// `gcc 12.2.0`: the name and the last version-looking word.
        public var short: String {
            let v = version.split(separator: " ").last { $0.first?.isNumber == true }
            return v.map { "\(name) \($0)" } ?? name
        }
    }

    public let options: Options
    public let corpus: String
    /// pvsites' version, the command line and the date of the run, for the
    /// header (`StudyResult.tool`); nil when the result does not record
    /// them (a study from before, fixed results in tests).
    public let tool: StudyResult.Tool?
    /// By name.
    public let compilers: [Compiler]
    /// The compiler the bottom line, the short tables and the per-op
    /// breakdown are about: `gcc` when the study has it, else the first.
    public let mainCompiler: String
    public let skipped: [SkippedCompiler]
    /// `3 compiler warnings (...)`, nil when the build printed none.
    public let warnings: String?
    /// In the order the configurations declare them.
    public let variants: [String]
    /// The Linux A/B results the report leads with, a line each (what,
    /// recorded or this machine's, and the command that reproduces it);
    /// `linuxNone` instead when none was found.
    public let linux: [LinuxLead]
    /// `LinuxResult.noneLine` when the study looked for Linux results and
    /// found none; nil when it has some or did not look.
    public let linuxNone: String?

    /// A Linux result's lines at the head of every report.
    public struct LinuxLead: Sendable {
        /// `reproduce (pvsites v1.2): ` before a recorded result's command.
        public var commandLead: String {
            recorded ? "reproduce" + (version.map { " (pvsites \($0))" } ?? "") + ": " : ""
        }
        /// `Linux 6.1, gcc: subset, tree, vmlinux; recorded 2026-12-06 ...`.
        public let headline: String
        /// The kernel study's command line, when it recorded one.
        public let command: String?
        /// The pvsites that made it (`tool.version`).
        public let version: String?
        public let recorded: Bool
    }
    /// The first lines of every rendering: sentences to quote.
    public let verdict: Verdict
    /// The corpus file by file, by what each is; nil when the corpus
    /// declares no shapes.
    public let shapes: ShapeCatalogue?
    public let bottomLine: BottomLine
    /// The Linux A/B's tables first, then the corpus's: per compiler (only
    /// `mainCompiler` unless `full`), variant in declared order; a table
    /// holds the objects' rows and the linked image's rows that differ.
    public let tables: [Table]
    /// Without `full`, the other compilers in one condensed table.
    public let otherCompilers: CompilerTable?
    /// Without `full`, the direct form in one condensed table (with it,
    /// each variant's direct table follows its plain one in `tables`).
    public let directTable: DirectTable?
    public let byOp: OpTable
    public let causes: CauseTable
    public let objections: [Objection]
    public let examples: [Example]
    /// One line each.
    public let failures: [String]

    /// `result.linux`, a `pvsites kernel study` result, leads the report.
    public init(_ result: StudyResult, options: Options = Options()) {
        self.options = options
        corpus = result.corpus
        tool = result.tool
        let compilers = result.compilers.sorted { $0.key < $1.key }.map { Compiler(name: $0.key, version: $0.value) }
        self.compilers = compilers
        skipped = result.skipped
        // The short report: per compiler (a line per configuration would
        // fill a screen); --full and JSON have every configuration.
        let everyWarning = result.warningSummary
        warnings = options.full || (everyWarning?.count ?? 0) <= 68 ? everyWarning : result.warnings.flatMap { w in
            guard !w.isEmpty else { return nil }
            var byCompiler: [String: (count: Int, configs: Set<String>)] = [:]
            for x in w {
                var e = byCompiler[x.configuration.compiler] ?? (0, [])
                e.count += 1
                e.configs.insert("\(x.configuration)")
                byCompiler[x.configuration.compiler] = e
            }
            let per = byCompiler.sorted { $0.key < $1.key }
                .map { "\($0.key): \($0.value.count) in \($0.value.configs.count) configs" }
            return "\(w.count) compiler warning\(w.count == 1 ? "" : "s") (" + per.joined(separator: ", ") + "; --full)"
        }
        variants = Self.inOrder(result.configs.map(\.variant))
        let compilerNames = Self.inOrder(result.configs.map(\.compiler))
        let mainCompiler = compilerNames.contains("gcc") ? "gcc" : compilerNames.first ?? "gcc"
        self.mainCompiler = mainCompiler
        let isLinux = result.configs.contains { $0.kernel != nil }
        let linuxResults = isLinux ? [] : (result.linux ?? [])
        linux = linuxResults.map {
            LinuxLead(headline: $0.headline, command: $0.command, version: $0.tool?.version, recorded: $0.recorded)
        }
        linuxNone = !isLinux && result.linux?.isEmpty == true ? LinuxResult.noneLine : nil
        let linuxConfigs = linuxResults.flatMap(\.configs)
        var tables: [Table] = []
        if !linuxConfigs.isEmpty {
            // Its plain form's table, then its direct form's (when the kernel study had one).
            let linuxCompilers = Self.inOrder(linuxConfigs.map(\.compiler))
            // The short report leaves out a subset's table where the whole
            // tree was measured (the tree holds the subset's objects).
            let shownLinux = options.full ? linuxConfigs : StudyResult.counted(linuxConfigs)
            tables += Table.tables(shownLinux.filter { $0.form == .plain }, compilers: linuxCompilers, opts: nil)
            tables += Table.tables(linuxConfigs.filter { $0.form == .direct }, compilers: linuxCompilers, opts: nil, form: .direct)
        }
        let shown = options.full ? compilerNames : compilerNames.filter { $0 == mainCompiler }
        // The plain form everywhere; with --full, the direct form's table of
        // a variant right after the plain one's (the short report condenses
        // the direct form into one table).
        let plain = result.configs.filter { $0.form == .plain }
        let direct = Table.tables(result.configs.filter { $0.form == .direct }, compilers: shown,
                                  opts: options.full ? nil : Self.shortOpts, form: .direct)
        for t in Table.tables(plain, compilers: shown, opts: options.full ? nil : Self.shortOpts) {
            tables.append(t)
            if options.full { tables += direct.filter { $0.compiler == t.compiler && $0.variant == t.variant } }
        }
        if options.full {
            tables += direct.filter { d in !tables.contains { $0.form == .direct && $0.compiler == d.compiler && $0.variant == d.variant } }
        } else {
            // The Linux A/B's direct table too.
            tables.removeAll { $0.form == .direct }
        }
        directTable = options.full ? nil
            : DirectTable(linux: linuxConfigs, corpus: result.configs, compiler: mainCompiler, variants: variants)
        self.tables = tables
        let others = compilerNames.filter { !shown.contains($0) }
        otherCompilers = others.isEmpty ? nil : CompilerTable(plain, compilers: others, variants: variants)
        let main = plain.filter { $0.compiler == mainCompiler && $0.link == .object }
        let mainVersion = compilers.first { $0.name == mainCompiler }?.short ?? mainCompiler
        let boots = result.boots.map(BootProof.init)
        verdict = Verdict(corpus: result.configs, linux: isLinux ? result.configs : linuxConfigs, none: linuxNone,
                          compiler: mainCompiler, version: mainVersion, variants: variants, shapes: result.shapes,
                          boots: boots)
        shapes = ShapeCatalogue(result, compiler: mainCompiler, version: mainVersion, variants: variants)
        bottomLine = BottomLine(corpus: result.configs, linux: linuxConfigs, compiler: mainCompiler,
                                version: compilers.first { $0.name == mainCompiler }?.short ?? mainCompiler,
                                variants: variants, boots: boots)
        byOp = OpTable(main, compiler: mainCompiler)
        causes = CauseTable(result)
        objections = result.objections
        examples = Self.select(result.examples, count: options.examples, compiler: mainCompiler, causes: causes)
        failures = result.failures.map(\.line)
    }

    public var title: String { "pvsites study of \(corpus)" }

    /// A Linux row in the bottom line and the direct table, at most 24
    /// characters: `Linux 6.1 -O2 retpol.`, `6.1 clang-14 -O2 retpol.`,
    /// `6.1 -O2 retpol. tree` (the `Linux` goes where room is short).
    static func linuxLabel(_ c: ConfigResult, mainCompiler: String) -> String {
        let words = [c.kernel ?? "?"] + (c.compiler == mainCompiler ? [] : [c.compiler]) + [c.opt]
            + (c.retpoline == .on ? ["retpol."] : []) + (c.scope == .tree ? ["tree"] : [])
        let short = words.joined(separator: " ")
        return short.count + 6 <= 24 ? "Linux " + short : short
    }

    /// Four lines under the first table, pointing to the catalogue.
    public static let legend = [
        "ann annotated sites; fnd found (% of ann, where shown); pat of those,",
        "patchable in place (docs/records.md); mpl naive guesses not on a call",
        "(mid-instruction, non-call); mis missed, siz found at another length,",
        "spu spurious; copies-differ left out. docs/causes.md",
    ]

    /// Section headings every rendering uses.
    public enum Heading {
        public static let verdict = "Verdict (scope: counts of annotated sites; corpus files are shapes)"
        public static let bottomLine = "Bottom line"
        public static let tables = "Coverage by variant and opt level"
        public static let otherCompilers = "Other compilers, objects: found % decoded/dataflow"
        public static let direct = "Direct form: calls to pv_tramp_<op>, decoded policy, objects"
        public static let byOp = "By op"
        public static let causes = "Causes, in site-configurations"
        /// What the causes table sums, under its heading.
        public static let causesScope = "(plain form; every configuration, objects and linked images summed)"
        public static let objections = "The five objections (LKML, 17 March 2007)"
        public static let examples = "Examples"
        public static let failures = "Failures"
    }

    static let optLevels = ["-O0", "-O1", "-O2", "-O3", "-Os"]
    /// The opt levels the short report shows (`--full`: all): no
    /// optimisation, the kernel's default, and CONFIG_CC_OPTIMIZE_FOR_SIZE.
    static let shortOpts: Set<String> = ["-O0", "-O2", "-Os"]

    /// Known opt levels in their order, anything else after them.
    static func optOrder(_ o: String) -> Int { optLevels.firstIndex(of: o) ?? optLevels.count }

    /// Each name once, in the order of its first occurrence.
    static func inOrder(_ names: [String]) -> [String] {
        var seen: [String] = []
        for n in names where !seen.contains(n) { seen.append(n) }
        return seen
    }

    /// `97.5%`, rounded to the nearest tenth but never to `100%` or
    /// `0.0%` unless it is all or nothing; `-` of nothing.
    public static func percent(_ n: Int, of total: Int) -> String {
        guard total > 0 else { return "-" }
        if n == total { return "100%" }
        let tenths = min(999, max(n > 0 ? 1 : 0, Int((1000 * Double(n) / Double(total)).rounded())))
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

// MARK: - Coverage tables

extension StudyReport {
    /// A column of a coverage table.
    public enum Column: String, Sendable, CaseIterable {
        case found = "fnd", patchable = "pat", percent = "%", misplaced = "mpl", missed = "mis"
        case sizeMismatched = "siz", spurious = "spu"

        /// The columns of a policy: misplaced only where guesses are made.
        public static func of(_ p: Policy) -> [Column] {
            p.guesses ? [.found, .patchable, .percent, .misplaced, .missed, .spurious]
                : [.found, .patchable, .percent, .missed, .sizeMismatched, .spurious]
        }

        public var meaning: String {
            switch self {
            case .found: "annotated sites found, in any shape"
            case .patchable: "of the found sites, those Linux 6.1's patcher can rewrite in place (a record can be made)"
            case .percent: "found, percent of annotated"
            case .misplaced: "annotated sites partnered only by a guess that is not a call (mid-instruction, non-call)"
            case .missed: "missed (copies-differ left out)"
            case .sizeMismatched: "found, but of another length"
            case .spurious: "spurious (copies-differ left out)"
            }
        }
    }

    /// The numbers of one policy in a table row.
    public struct Cells: Sendable, Equatable {
        public let annotated: Int
        /// Annotated sites found in a shape that is really there.
        public let found: Int
        /// Of the found, those a record can be made for (nil: not measured).
        public let patchable: Int?
        public let misplaced: Int
        /// Missed and spurious leave out sites the two builds copied a
        /// different number of times (cause `copies-differ`).
        public let missed: Int
        public let sizeMismatched: Int
        public let spurious: Int

        public static let zero = Cells(Counts())

        public init(_ c: Counts) {
            annotated = c.annotated
            found = c.found
            patchable = c.patchable
            misplaced = c.misplaced
            missed = c.realMissed
            sizeMismatched = c.sizeMismatched
            spurious = c.realSpurious
        }

        /// Found, whole percent of annotated, rounded to nearest but `100`
        /// only for every site and `0` only for none.
        public var percent: String {
            guard annotated > 0 else { return "-" }
            if found == annotated { return "100" }
            return String(min(99, max(found > 0 ? 1 : 0, Int((100 * Double(found) / Double(annotated)).rounded()))))
        }

        public func value(_ c: Column) -> String {
            switch c {
            case .found: String(found)
            case .patchable: patchable.map(String.init) ?? "-"
            case .percent: percent
            case .misplaced: String(misplaced)
            case .missed: String(missed)
            case .sizeMismatched: String(sizeMismatched)
            case .spurious: String(spurious)
            }
        }

        /// Coverage: found over annotated; nil when there are none.
        public var coverage: Double? { annotated > 0 ? Double(found) / Double(annotated) : nil }
    }

    /// One opt level (and link form) of a table.
    public struct Row: Sendable {
        public let opt: String
        public let link: LinkForm
        /// `-O2 retpoline on` for the Linux A/B, else the opt level.
        public let label: String
        public let annotated: Int
        /// Absent for a policy the configuration did not measure.
        public let cells: [Policy: Cells]
        /// Missed and spurious sites by cause, per policy.
        public let causes: [Policy: [Cause: Int]]
        /// Text bytes of the annotated build over the plain build's, two
        /// decimals; `-` when the plain build has none.
        public let textRatio: String
        /// The same over the direct build's; nil when none was made.
        public let directTextRatio: String?
        /// The hand-written asm sites among `annotated`, per policy
        /// (`by_source.asm`); nil when the result does not split them.
        public let asm: [Policy: Cells]?

        init(_ c: ConfigResult) {
            opt = c.opt
            link = c.link
            label = c.retpoline.map { "\(c.opt) retpoline \($0)" } ?? c.opt
            cells = c.policies.mapValues(Cells.init)
            causes = c.policies.mapValues(\.causes)
            annotated = c.policies.values.first?.annotated ?? 0
            let a = c.textBytes.annotated, p = c.textBytes.plain
            textRatio = p > 0 ? String(format: "%.2f", Double(a) / Double(p)) : "-"
            directTextRatio = c.textBytes.direct.map { d in d > 0 ? String(format: "%.2f", Double(a) / Double(d)) : "-" }
            let split = c.policies.compactMapValues { $0.bySource?[.asm] }
            asm = split.isEmpty || split.count != c.policies.count ? nil : split.mapValues(Cells.init)
        }

        /// Shown as `ld` rows: a linked image whose numbers differ from the
        /// objects of the same configuration.
        public var isLinked: Bool { link == .linked }
    }

    /// The scan of the annotated build itself (same-object), summed over a
    /// table's rows: it must find every annotated site.
    public struct Control: Sendable {
        public let found: Int
        public let annotated: Int
        public let missed: Int
        /// Size mismatches other than `asmLonger`.
        public let sizeMismatched: Int
        /// Hand-written asm sites whose record covers register saves around
        /// the call: found, but the site is longer.
        public let asmLonger: Int

        init(_ configs: [ConfigResult]) {
            let c = configs.reduce(Counts()) { $0 + $1.control }
            asmLonger = configs.reduce(0) { $0 + $1.controlSizeMismatchedAsm }
            found = c.found
            annotated = c.annotated
            missed = c.missed
            sizeMismatched = c.sizeMismatched - asmLonger
        }

        /// The line under a table.
        public var sentence: String {
            "Control (scan of the annotated build): \(found) of \(annotated) found, "
                + "\(missed) missed, \(sizeMismatched) size-mismatched"
                + (asmLonger > 0 ? "; \(asmLonger) asm sites longer (register saves)." : ".")
        }
    }

    /// One variant of one compiler: the objects by opt level, and the
    /// linked image's rows where they differ from the objects'.
    public struct Table: Sendable {
        public let compiler: String
        public let variant: String
        /// `6.1` for the Linux A/B.
        public let kernel: String?
        /// The Linux A/B's scope (nil in a result written before scopes:
        /// then the subset's objects with vmlinux's rows under them).
        public let scope: Scope?
        public let rows: [Row]
        /// Linked images whose numbers equal the objects' (not shown).
        public let linkedSame: Int
        public let control: Control
        /// The form scanned against the annotated build.
        public let form: Form
        /// Linux 6.8+: the alternatives besides the pv sites, per row
        /// label (`alternativesLine`); empty otherwise.
        public let alternatives: [(label: String, value: ConfigResult.Alternatives)]

        /// Tables of `configs` for `compilers`, variant by variant; only the
        /// levels in `opts` when a table has any of them.
        static func tables(_ configs: [ConfigResult], compilers: [String], opts: Set<String>?,
                           form: Form = .plain) -> [Table] {
            var out: [Table] = []
            // The Linux A/B's variants (retpoline on, off) share a table,
            // one per version and scope.
            let group = { (c: ConfigResult) in c.kernel.map { "linux \($0) \(c.scope?.rawValue ?? "")" } ?? c.variant }
            let variants = StudyReport.inOrder(configs.map(group))
            for compiler in compilers {
                for variant in variants {
                    var list = configs.filter { group($0) == variant && $0.compiler == compiler }
                    if let opts, list.contains(where: { opts.contains($0.opt) }) { list = list.filter { opts.contains($0.opt) } }
                    if !list.isEmpty { out.append(Table(compiler: compiler, variant: variant, configs: list, form: form)) }
                }
            }
            return out
        }

        init(compiler: String, variant: String, configs: [ConfigResult], form: Form = .plain) {
            self.form = form
            self.compiler = compiler
            self.variant = configs.first?.variant ?? variant
            kernel = configs.first?.kernel
            scope = configs.first?.scope
            alternatives = configs.filter { $0.link == .object || $0.scope == .vmlinux }.compactMap { c in
                c.alternatives.map { (label: Row(c).label, value: $0) }
            }
            let ordered = configs.enumerated().sorted {
                (StudyReport.optOrder($0.element.opt), $0.element.retpoline?.rawValue ?? "", $0.offset)
                    < (StudyReport.optOrder($1.element.opt), $1.element.retpoline?.rawValue ?? "", $1.offset)
            }.map(\.element)
            let objects = ordered.filter { $0.link == .object }
            var rows: [Row] = []
            var same = 0
            for c in ordered {
                let row = Row(c)
                if c.link == .linked, let o = objects.first(where: { $0.opt == c.opt && $0.retpoline == c.retpoline }),
                   Row(o).cells == row.cells {
                    same += 1
                    continue
                }
                rows.append(row)
            }
            // Linked rows right under their objects' row.
            self.rows = rows.enumerated().sorted {
                (StudyReport.optOrder($0.element.opt), $0.element.label, $0.element.isLinked ? 1 : 0, $0.offset)
                    < (StudyReport.optOrder($1.element.opt), $1.element.label, $1.element.isLinked ? 1 : 0, $1.offset)
            }.map(\.element)
            linkedSame = same
            control = Control(objects.isEmpty ? configs : objects)
        }

        /// `gcc, variant kernel` or `Linux 6.1, gcc, retpoline on`.
        public var title: String {
            if let kernel {
                let what = switch scope {
                case .tree?: "whole tree"
                case .vmlinux?: "vmlinux"
                case .subset?, nil: "objects"
                }
                return "Linux \(kernel) A/B, \(compiler), \(what)" + (form == .direct ? ", direct form" : "")
            }
            return "\(compiler), variant \(variant), objects" + (form == .direct ? ", direct form" : "")
        }

        /// Text size ratios, `-O0 1.25 -O1 1.00 ...`, objects only: the
        /// annotated build over the table's form (`textForm`).
        public var textRatios: String {
            rows.filter { !marksLinked($0) }.map { "\($0.label) \(ratio($0))" }.joined(separator: "  ")
        }

        /// The ratio this table shows for a row: over plain, or over direct.
        public func ratio(_ r: Row) -> String { form == .direct ? r.directTextRatio ?? "-" : r.textRatio }

        /// Rows marked `ld` (linked images under their objects); a
        /// vmlinux table has nothing else and marks none.
        public func marksLinked(_ r: Row) -> Bool { r.isLinked && scope != .vmlinux }

        /// `a/p` or `a/d`: what `ratio` divides.
        public var textColumn: String { form == .direct ? "a/d" : "a/p" }

        /// The line under a Linux 6.8+ table that says what the plain
        /// build loses: `.altinstructions: 766 records, 338 pv sites, 120 of
        /// them with a native replacement (...), 308 other alternatives`.
        public var alternativesLine: String? {
            guard let first = alternatives.first else { return nil }
            let same = alternatives.allSatisfy {
                ($0.value.records, $0.value.sites, $0.value.nativeReplacements) == (first.value.records, first.value.sites, first.value.nativeReplacements)
            }
            let describe = { (a: ConfigResult.Alternatives) in
                "\(a.records) records: \(a.sites) pv sites, \(a.nativeReplacements) of them also with a native replacement, "
                    + "\(a.other) other alternatives"
            }
            let body = same ? describe(first.value)
                : alternatives.map { "\($0.label): " + describe($0.value) }.joined(separator: "; ")
            return ".altinstructions: " + body + ". The native replacement (ALT_NOT(X86_FEATURE_XENPV): "
                + "mov %rdi,%rax for pte_val and the other nine identity ops, cli, sti, pushf; pop, mov to and from "
                + "cr2/cr3, wbinvd) is what the annotated kernel runs there on bare metal; a plain build has only the "
                + "call, which a record made from a scan can make direct, not native"
        }

        /// The line under a table that says which of its annotated sites
        /// are hand-written asm and how the policies fare on them: `asm
        /// sites in ann: 18 per row; every policy finds them all`; nil
        /// when the result does not split C from asm or has none.
        public var asmLine: String? {
            let rows = self.rows.filter { !marksLinked($0) }
            let split = rows.compactMap(\.asm)
            guard split.count == rows.count, !split.isEmpty else { return nil }
            let counts = StudyReport.inOrder(split.map { String($0.values.first?.annotated ?? 0) })
            guard counts != ["0"] else { return nil }
            let short = rows.compactMap { r -> String? in
                guard let asm = r.asm else { return nil }
                let lacking = Policy.allCases.compactMap { p -> String? in
                    guard let c = asm[p], c.found < c.annotated else { return nil }
                    return "\(p.rawValue) \(c.found)"
                }
                return lacking.isEmpty ? nil : "\(r.label): " + lacking.joined(separator: ", ")
            }
            return "asm sites in ann: \(counts.joined(separator: "/")) per row; "
                + (short.isEmpty ? "every policy finds them all" : "found: " + short.joined(separator: "; "))
        }
    }

    /// The compilers other than the main one, condensed: per variant, the
    /// found % of decoded and dataflow at every opt level, objects.
    public struct CompilerTable: Sendable {
        public struct Line: Sendable {
            public let compiler: String
            public let variant: String
            /// Per opt level in `opts`: `97/98`, or `-`.
            public let cells: [String]
        }

        public let opts: [String]
        public let lines: [Line]

        init(_ configs: [ConfigResult], compilers: [String], variants: [String]) {
            let objects = configs.filter { $0.link == .object }
            opts = StudyReport.inOrder(objects.map(\.opt)).sorted { StudyReport.optOrder($0) < StudyReport.optOrder($1) }
            var lines: [Line] = []
            for compiler in compilers {
                for variant in variants {
                    let list = objects.filter { $0.compiler == compiler && $0.variant == variant }
                    guard !list.isEmpty else { continue }
                    let cells = opts.map { opt -> String in
                        guard let c = list.first(where: { $0.opt == opt }) else { return "-" }
                        let d = Cells(c.policies[.decoded] ?? Counts()), f = Cells(c.policies[.dataflow] ?? Counts())
                        return "\(d.percent)/\(f.percent)"
                    }
                    lines.append(Line(compiler: compiler, variant: variant, cells: cells))
                }
            }
            self.lines = lines
        }
    }
}

// MARK: - The direct form, condensed

extension StudyReport {
    /// The direct form in the short report: what the decoded policy finds
    /// in the build whose macros are direct calls to per-op trampolines,
    /// for the Linux A/B's configurations, the first two variants at -O2 and the
    /// first variant at -O0 and -Os; with the text size of each form.
    public struct DirectTable: Sendable {
        public struct Line: Sendable {
            public let label: String
            public let cells: Cells
            /// Text bytes, annotated over plain and over direct.
            public let plainRatio: String
            public let directRatio: String
        }

        public let lines: [Line]

        init?(linux: [ConfigResult], corpus: [ConfigResult], compiler: String, variants: [String]) {
            let direct = (linux + corpus).filter { $0.form == .direct && $0.link == .object && $0.compiler == compiler }
            guard !direct.isEmpty else { return nil }
            func line(_ label: String, _ c: ConfigResult) -> Line {
                let row = Row(c)
                return Line(label: label, cells: row.cells[.decoded] ?? .zero, plainRatio: row.textRatio,
                            directRatio: row.directTextRatio ?? "-")
            }
            var lines: [Line] = []
            let retpolineLast = { (c: ConfigResult) in c.retpoline == .on ? 1 : 0 }
            for c in direct.filter({ $0.kernel != nil }).sorted(by: {
                (StudyReport.optOrder($0.opt), retpolineLast($0)) < (StudyReport.optOrder($1.opt), retpolineLast($1))
            }) {
                lines.append(line(StudyReport.linuxLabel(c, mainCompiler: compiler), c))
            }
            let objects = direct.filter { $0.kernel == nil }
            // The first variant's three levels and the second's -O2 (--full
            // has every variant's table).
            for (i, v) in variants.prefix(2).enumerated() {
                for opt in i == 0 ? ["-O0", "-O2", "-Os"] : ["-O2"] {
                    if let c = objects.first(where: { $0.variant == v && $0.opt == opt }) { lines.append(line("\(v) \(opt)", c)) }
                }
            }
            self.lines = lines
        }
    }
}

// MARK: - Per op

extension StudyReport {
    /// The main compiler's objects, every variant and opt level, by op: the
    /// rows and columns laid out once, which the text (`--by-op`), markdown
    /// and HTML renderings only format.
    public struct OpTable: Sendable {
        /// A column of counts, in the order the renderings print them.
        public struct Column: Sendable {
            public enum Measure: Sendable, Hashable {
                case annotated, found(Policy), missed(Policy)
            }

            public let measure: Measure
            /// Three letters, for the 72-column text (`nai`, `mis`).
            public let abbreviation: String
            /// The full heading (`decoded missed`).
            public let label: String

            /// A found column: the renderings mark the policy's columns.
            public var isFound: Bool {
                if case .found = measure { return true }
                return false
            }

            /// The heading next to the policy's found column, where the
            /// policy goes without saying (`missed`).
            public var shortLabel: String {
                if case .missed = measure { return "missed" }
                return label
            }
        }

        /// annotated, then found by each policy, with the misses of the
        /// two that decode next to their found column.
        public static let columns = [
            Column(measure: .annotated, abbreviation: "ann", label: "annotated"),
            Column(measure: .found(.naive), abbreviation: "nai", label: "naive found"),
            Column(measure: .found(.decoded), abbreviation: "dec", label: "decoded found"),
            Column(measure: .missed(.decoded), abbreviation: "mis", label: "decoded missed"),
            Column(measure: .found(.dataflow), abbreviation: "dfl", label: "dataflow found"),
            Column(measure: .missed(.dataflow), abbreviation: "mis", label: "dataflow missed"),
        ]

        public struct Line: Sendable {
            public let op: String
            /// One per column of `columns`.
            public let counts: [Int]
            /// The commonest cause of the decoded policy's misses (or the
            /// dataflow policy's when decoded misses none).
            public let topCause: String?
        }

        public let title: String
        public let lines: [Line]

        init(_ configs: [ConfigResult], compiler: String) {
            title = "\(compiler) objects, all variants and opt levels"
            let ops = OpTally.merge(configs.compactMap(\.ops))
            lines = ops.map { t in
                let top = (t.policies[.decoded]?.topCause ?? t.policies[.dataflow]?.topCause)?.rawValue
                let counts = Self.columns.map { column -> Int in
                    switch column.measure {
                    case .annotated: t.annotated
                    case .found(let p): t.policies[p]?.found ?? 0
                    case .missed(let p): t.policies[p]?.missed ?? 0
                    }
                }
                return Line(op: t.op.description, counts: counts, topCause: top)
            }
        }
    }
}

// MARK: - Causes

extension StudyReport {
    /// A way to be found other than matched: a row of the causes table.
    public enum Shape: Sendable, CaseIterable {
        case kindMismatched, sizeMismatched, clobberUnsafe, inliningMatched

        public var label: String {
            switch self {
            case .kindMismatched: "kind-mismatched (call became tail jmp)"
            case .sizeMismatched: "size-mismatched"
            case .clobberUnsafe: "clobber-unsafe"
            case .inliningMatched: "matched by innermost line (inlined apart)"
            }
        }

        public func count(in c: Counts) -> Int {
            switch self {
            case .kindMismatched: c.kindMismatched
            case .sizeMismatched: c.sizeMismatched
            case .clobberUnsafe: c.clobberUnsafe
            case .inliningMatched: c.inliningMatched
            }
        }
    }

    /// The causes over all configurations, a column per policy.
    public struct CauseTable: Sendable {
        /// A labelled row: a count per policy.
        public struct Row: Sendable {
            public let label: String
            public let counts: [Int]
        }

        public struct Section: Sendable {
            public let title: String
            public let rows: [Row]
        }

        /// The policies listed (naive counts every reference, so its causes
        /// say little).
        public static let policies: [Policy] = [.decoded, .dataflow]

        /// The first section: totals the tables already show (the text
        /// report leaves it out).
        public static let sitesTitle = "sites"

        /// The totals over every configuration, per `policies`.
        public let totals: [Counts]
        /// The sites; each cause in the catalogue's order (docs/causes.md);
        /// the sites found in another shape.
        /// Cause and shape rows that are zero under every policy are left
        /// out, and so are sections left empty.
        public let sections: [Section]

        init(_ result: StudyResult) {
            let counts = Self.policies.map { result.byPolicy[$0] ?? Counts() }
            totals = counts
            let sites = [
                Row(label: "annotated", counts: counts.map(\.annotated)),
                Row(label: "found", counts: counts.map(\.found)),
                Row(label: "missed", counts: counts.map(\.missed)),
                Row(label: "spurious", counts: counts.map(\.spurious)),
                Row(label: "merged calls (several ops, one call)", counts: counts.map(\.merged)),
            ]
            let causes = Cause.allCases.map { cause in Row(label: cause.rawValue, counts: counts.map { $0.causes[cause] ?? 0 }) }
            let shapes = Shape.allCases.map { shape in Row(label: shape.label, counts: counts.map(shape.count)) }
            let nonZero = { (rows: [Row]) in rows.filter { $0.counts.contains { $0 > 0 } } }
            sections = [Section(title: Self.sitesTitle, rows: nonZero(sites)),
                        Section(title: "missed or spurious, by cause", rows: nonZero(causes)),
                        Section(title: "found, in another shape", rows: nonZero(shapes))].filter { !$0.rows.isEmpty }
        }
    }
}

// MARK: - Examples

extension StudyReport {
    /// `count` examples, one per (outcome, cause), commonest causes first,
    /// each site once (the same site under two policies or link forms is
    /// one example), the main compiler's objects preferred.
    static func select(_ all: [Example], count: Int, compiler: String, causes: CauseTable) -> [Example] {
        guard count > 0 else { return [] }
        var weight: [String: Int] = [:]
        for c in causes.totals { for (k, v) in c.causes { weight[k.rawValue, default: 0] += v } }
        let preferred = all.enumerated().sorted { a, b in
            // The main compiler, -O2 (the kernel's level) then -Os, objects,
            // and the policies that decode first.
            func level(_ e: Example) -> Int { e.config.contains(" -O2 ") ? 0 : e.config.contains(" -Os ") ? 1 : 2 }
            let ka = (a.element.config.hasPrefix(compiler + " ") ? 0 : 1, level(a.element),
                      a.element.config.hasSuffix(" object") ? 0 : 1, a.element.policy.guesses ? 1 : 0)
            let kb = (b.element.config.hasPrefix(compiler + " ") ? 0 : 1, level(b.element),
                      b.element.config.hasSuffix(" object") ? 0 : 1, b.element.policy.guesses ? 1 : 0)
            return (ka.0, ka.1, ka.2, ka.3, a.offset) < (kb.0, kb.1, kb.2, kb.3, b.offset)
        }.map(\.element)
        var kinds: [String] = []
        var byKind: [String: Example] = [:]
        var sites: Set<String> = []
        for e in preferred {
            let kind = e.outcome.rawValue + "/" + (e.cause?.rawValue ?? "")
            let site = e.position + " " + e.op
            guard byKind[kind] == nil, !sites.contains(site) else { continue }
            byKind[kind] = e
            kinds.append(kind)
            sites.insert(site)
        }
        // Misses the scan is to blame for first, commonest first; then the
        // shapes found and the rest (copies-differ is not the scan's miss).
        let order = kinds.enumerated().sorted { a, b in
            func rank(_ e: Example) -> Int { e.cause.map { $0.isScanMiss ? 0 : 2 } ?? 1 }
            let ea = byKind[a.element]!, eb = byKind[b.element]!
            let wa = weight[ea.cause?.rawValue ?? ""] ?? 0
            let wb = weight[eb.cause?.rawValue ?? ""] ?? 0
            return (rank(ea), -wa, a.offset) < (rank(eb), -wb, b.offset)
        }
        var chosen = order.prefix(count).map { byKind[$0.element]! }
        // At least one of what dataflow still misses, when it misses any:
        // the scan's limit, not only what it recovers.
        func dataflowMiss(_ e: Example) -> Bool { e.policy == .dataflow && e.outcome == .missed && e.cause?.isScanMiss == true }
        if !chosen.contains(where: dataflowMiss), let miss = preferred.first(where: dataflowMiss) {
            let site = miss.position + " " + miss.op
            chosen.removeAll { $0.position + " " + $0.op == site }
            if chosen.count >= count { chosen.removeLast() }
            chosen.append(miss)
        }
        return chosen
    }
}

extension Example {
    /// `missed (pointer-in-register), decoded, gcc kernel -O2 object`
    public var title: String {
        (cause.map { "\(outcome.rawValue) (\($0.rawValue))" } ?? outcome.rawValue) + ", \(policy.rawValue), \(config)"
    }

    /// The source line (`| ...`), the object and build, the instructions,
    /// for a clobber-unsafe site the registers behind it, and for a
    /// RIP-relative site what objdump shows as its relocation
    /// (ExampleListing.swift).
    public var listing: [String] {
        let build = buildLabel.map { (object.map { "\($0), " } ?? "") + $0 } ?? object
        return (sourceLine.isEmpty ? [] : ["| " + sourceLine]) + (build.map { [$0] } ?? []) + instructions
            + (recorded.map { ["annotated build: " + $0] } ?? [])
            + (sharedCall.map { ["the shared call: " + $0] } ?? [])
            + (clobberNote.map { [$0] } ?? []) + (addendNote.map { [$0] } ?? [])
    }
}
