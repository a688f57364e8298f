import Compare
import CorpusBuild
import Foundation
import RelocSites
import Study

/// The study as the reports show it, computed once from a `StudyResult`:
/// the coverage tables (one per variant and link form, and per compiler
/// when there are several) with their control lines, the causes over all
/// configurations, the objections, the examples and the failures. The text,
/// markdown and HTML reports lay this value out and compute nothing; the
/// JSON report is the `StudyResult` itself.
public struct StudyReport: Sendable {
    public struct Compiler: Sendable, Hashable {
        public let name: String
        /// `--version` first line.
        public let version: String
    }

    public let corpus: String
    /// By name.
    public let compilers: [Compiler]
    public let skipped: [SkippedCompiler]
    /// `3 compiler warnings (...)`, nil when the build printed none.
    public let warnings: String?
    /// In the order the configurations declare them.
    public let variants: [String]
    /// Objects first, then linked images; within each, variants in declared
    /// order, then compilers in declared order.
    public let tables: [Table]
    public let causes: CauseTable
    public let objections: [Objection]
    public let examples: [Example]
    /// One line each.
    public let failures: [String]

    public init(_ result: StudyResult) {
        corpus = result.corpus
        compilers = result.compilers.sorted { $0.key < $1.key }.map { Compiler(name: $0.key, version: $0.value) }
        skipped = result.skipped
        warnings = result.warningSummary
        variants = Self.inOrder(result.configs.map(\.variant))
        let compilerNames = Self.inOrder(result.configs.map(\.compiler))
        var tables: [Table] = []
        for link in LinkForm.allCases {
            for variant in variants {
                for compiler in compilerNames {
                    let configs = result.configs.filter { $0.variant == variant && $0.link == link && $0.compiler == compiler }
                        .enumerated().sorted { (Self.optOrder($0.element.opt), $0.offset) < (Self.optOrder($1.element.opt), $1.offset) }
                        .map(\.element)
                    guard !configs.isEmpty else { continue }
                    tables.append(Table(compiler: compiler, namesCompiler: compilerNames.count > 1, variant: variant,
                                        link: link, configs: configs))
                }
            }
        }
        self.tables = tables
        causes = CauseTable(result)
        objections = result.objections
        examples = result.examples
        failures = result.failures.map(\.line)
    }

    public var title: String { "pvsites study of \(corpus)" }

    public static let introduction = "Annotated sites (.parainstructions of the annotated build) against the relocation "
        + "scan of the plain build, matched by op and inline chain of source lines. fnd = found (in any shape), "
        + "mis = missed, siz = found but of another length, spu = spurious; mis and spu leave out sites the two "
        + "builds copied a different number of times (copies-differ, listed under Causes)."

    /// Section headings every rendering uses.
    public enum Heading {
        public static let causes = "Causes, over all configurations"
        public static let objections = "The five objections (LKML, 17 March 2007)"
        public static let examples = "Examples"
        public static let failures = "Failures"
    }

    static let optLevels = ["-O0", "-O1", "-O2", "-O3", "-Os"]

    /// Known opt levels in their order, anything else after them.
    static func optOrder(_ o: String) -> Int { optLevels.firstIndex(of: o) ?? optLevels.count }

    /// Each name once, in the order of its first occurrence.
    private static func inOrder(_ names: [String]) -> [String] {
        var seen: [String] = []
        for n in names where !seen.contains(n) { seen.append(n) }
        return seen
    }
}

// MARK: - Coverage tables

extension StudyReport {
    /// The four numbers of one policy in a table row: annotated sites found
    /// in any shape, missed, found at another length, spurious. Missed and
    /// spurious leave out sites the two builds copied a different number of
    /// times (cause `copies-differ`).
    public struct Cells: Sendable, Equatable {
        public let found: Int
        public let missed: Int
        public let sizeMismatched: Int
        public let spurious: Int

        /// Column headings, in the order of `values`.
        public static let columns = ["fnd", "mis", "siz", "spu"]

        public static let zero = Cells(Counts())

        public init(_ c: Counts) {
            found = c.found
            missed = c.realMissed
            sizeMismatched = c.sizeMismatched
            spurious = c.realSpurious
        }

        public var values: [Int] { [found, missed, sizeMismatched, spurious] }

        /// fnd + mis: the annotated sites less those copied differently.
        public var base: Int { found + missed }

        /// Coverage: found over `base`; nil when `base` is zero.
        public var coverage: Double? { base > 0 ? Double(found) / Double(base) : nil }
    }

    /// One opt level of a table.
    public struct Row: Sendable {
        public let opt: String
        /// Absent for a policy the configuration did not measure.
        public let cells: [Policy: Cells]
        /// Text bytes of the annotated build over the plain build's, two
        /// decimals; `-` when the plain build has none.
        public let textRatio: String

        init(_ c: ConfigResult) {
            opt = c.opt
            cells = c.policies.mapValues(Cells.init)
            let a = c.textBytes.annotated, p = c.textBytes.plain
            textRatio = p > 0 ? String(format: "%.2f", Double(a) / Double(p)) : "-"
        }
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

        /// The line under a table in markdown and HTML (the text report
        /// breaks it over two lines of its own).
        public var sentence: String {
            "Control (scan of the annotated build): \(found) of \(annotated) found, "
                + "\(missed) missed, \(sizeMismatched) size-mismatched"
                + (asmLonger > 0 ? "; \(asmLonger) asm sites longer (register saves)." : ".")
        }
    }

    /// One variant in one link form (and compiler), by opt level.
    public struct Table: Sendable {
        public let compiler: String
        /// Whether titles name the compiler (the study has several).
        public let namesCompiler: Bool
        public let variant: String
        public let link: LinkForm
        public let rows: [Row]
        public let control: Control

        init(compiler: String, namesCompiler: Bool, variant: String, link: LinkForm, configs: [ConfigResult]) {
            self.compiler = compiler
            self.namesCompiler = namesCompiler
            self.variant = variant
            self.link = link
            rows = configs.map(Row.init)
            control = Control(configs)
        }

        /// The compiler, when titles name it.
        public var compilerLabel: String? { namesCompiler ? compiler : nil }

        /// `objects` or `linked image (--emit-relocs)`.
        public var linkTitle: String { link == .object ? "objects" : "linked image (--emit-relocs)" }
    }
}

// MARK: - Causes

extension StudyReport {
    /// A way to be found other than matched: a row of the causes table.
    public enum Shape: Sendable, CaseIterable {
        case kindMismatched, sizeMismatched, clobberUnsafe, inliningMatched

        public var label: String {
            switch self {
            case .kindMismatched: "kind-mismatched (call became a tail jmp)"
            case .sizeMismatched: "size-mismatched"
            case .clobberUnsafe: "clobber-unsafe"
            case .inliningMatched: "matched only by innermost line (inlined differently)"
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
            ]
            let causes = Cause.allCases.map { cause in Row(label: cause.rawValue, counts: counts.map { $0.causes[cause] ?? 0 }) }
            let shapes = Shape.allCases.map { shape in Row(label: shape.label, counts: counts.map(shape.count)) }
            let nonZero = { (rows: [Row]) in rows.filter { $0.counts.contains { $0 > 0 } } }
            sections = [Section(title: "sites", rows: sites),
                        Section(title: "missed or spurious, by cause", rows: nonZero(causes)),
                        Section(title: "found, in another shape", rows: nonZero(shapes))].filter { !$0.rows.isEmpty }
        }
    }
}

// MARK: - Examples

extension Example {
    /// `missed (pointer-in-register), decoded, gcc kernel -O2 object`
    public var title: String {
        (cause.map { "\(outcome.rawValue) (\($0.rawValue))" } ?? outcome.rawValue) + ", \(policy.rawValue), \(config)"
    }

    /// The source line (`| ...`), then the instructions.
    public var listing: [String] {
        (sourceLine.isEmpty ? [] : ["| " + sourceLine]) + instructions
    }
}
