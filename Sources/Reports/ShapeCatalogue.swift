import Compare
import CorpusBuild
import Pipeline
import RelocSites
import Study

/// The corpus as a catalogue of shapes (configs.json `shapes`): per file,
/// the annotated sites each policy and form misses, at the levels kernels
/// are built at (-O2 and -Os) and at -O0 apart, for the main compiler's
/// first variant's objects. Counted from the configurations' missed keys
/// (a key's outermost position is the corpus file), copies-differ left
/// out; summed over the levels of a column, so in site-configurations.
public struct ShapeCatalogue: Sendable {
    public struct Column: Sendable {
        /// `dec`, `dfl`, `dir`.
        public let label: String
        public let levels: [String]
        public let policy: Policy
        public let form: Form
    }

    public struct Line: Sendable {
        public let file: String
        /// Nil for a file with misses that configs.json does not declare.
        public let shape: CorpusShape?
        /// Per column: missed site-configurations; nil where the column's
        /// configurations were not built.
        public let missed: [Int?]

        /// A header's line: at -O0 its static inline wrappers stay out of
        /// line, so their sites belong to no corpus file.
        public var kindLabel: String { shape?.kind.rawValue ?? (file.hasSuffix(".h") ? "header wrappers" : "undeclared") }
        public var allFound: Bool { missed.allSatisfy { ($0 ?? 0) == 0 } }
    }

    /// `gcc 12.2.0, variant kernel, objects`.
    public let scope: String
    public let columns: [Column]
    /// By kind (kernel idioms, compiler hazards, adversarial), then file.
    public let lines: [Line]

    public static let optimised = ["-O2", "-Os"]

    /// Nil when the study declares no shapes or has no configuration of
    /// the main compiler's first variant.
    init?(_ result: StudyResult, compiler: String, version: String, variants: [String]) {
        guard let shapes = result.shapes, !shapes.isEmpty, let variant = variants.first else { return nil }
        let objects = result.configs.filter {
            $0.kernel == nil && $0.compiler == compiler && $0.variant == variant && $0.link == .object
        }
        guard !objects.isEmpty else { return nil }
        scope = "\(version), variant \(variant), objects"
        var columns = [Column(label: "dec", levels: Self.optimised, policy: .decoded, form: .plain),
                       Column(label: "dfl", levels: Self.optimised, policy: .dataflow, form: .plain)]
        if objects.contains(where: { $0.form == .direct }) {
            columns.append(Column(label: "dir", levels: Self.optimised, policy: .decoded, form: .direct))
        }
        columns += [Column(label: "dec", levels: ["-O0"], policy: .decoded, form: .plain),
                    Column(label: "dfl", levels: ["-O0"], policy: .dataflow, form: .plain)]
        self.columns = columns
        // Per column: file -> missed keys (nil: the column's configurations were not built).
        let perColumn: [[String: Int]?] = columns.map { col in
            let configs = objects.filter { col.levels.contains($0.opt) && $0.form == col.form }
            guard !configs.isEmpty else { return nil }
            var byFile: [String: Int] = [:]
            for c in configs {
                for k in c.keys[col.policy]?.missed ?? [] where k.cause != .copiesDiffer {
                    if let file = k.key.chain.last?.file { byFile[file, default: 0] += 1 }
                }
            }
            return byFile
        }
        var files = Set(shapes.keys)
        for m in perColumn { files.formUnion(m?.keys ?? [:].keys) }
        func rank(_ l: Line) -> Int { l.shape.map { CorpusShape.Kind.allCases.firstIndex(of: $0.kind)! } ?? CorpusShape.Kind.allCases.count }
        lines = files.map { f in
            Line(file: f, shape: shapes[f], missed: perColumn.map { $0.map { $0[f] ?? 0 } })
        }.sorted { (rank($0), $0.file) < (rank($1), $1.file) }
    }

    /// `missed by ... in adversarial files`: of `config`'s missed keys
    /// under `policy` (copies-differ left out), those in files of `kind`.
    static func missed(_ config: ConfigResult, _ policy: Policy, in kind: CorpusShape.Kind,
                       shapes: [String: CorpusShape]) -> Int {
        (config.keys[policy]?.missed ?? []).filter { k in
            k.cause != .copiesDiffer && k.key.chain.last.flatMap { shapes[$0.file] }?.kind == kind
        }.count
    }

    public static let heading = "Corpus shapes: annotated sites missed, per file"
    public static let legend = "site-configurations over the levels; 0: all found; dir: decoded, direct form; paravirt.h: -O0's out-of-line header wrappers"
}
