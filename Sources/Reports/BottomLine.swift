import Compare
import CorpusBuild
import RelocSites
import Study
import Pipeline

/// The answer, first: what share of the annotated sites a relocation scan
/// of the plain build finds (decoded, dataflow), and of the direct form's
/// build (calls to per-op trampolines, static_call's form), for the Linux
/// A/B (when it has been run) and for the corpus at the telling opt levels,
/// then the objections in a line each. The text report opens with it (at most 20 lines, to be
/// quoted as is); markdown and HTML too.
public struct BottomLine: Sendable {
    public struct Row: Sendable {
        public let label: String
        /// Lower first when the text report has room for only some rows:
        /// the Linux A/B at -O2, then the corpus's first rows, then the rest.
        public var priority = 0
        /// Annotated C sites (the row's counts are the C sites' alone when
        /// the result splits them, or when the build has no asm site).
        public let annotated: Int
        /// Hand-written asm sites left out of the counts; nil when the
        /// result does not split them and some exist (then the counts are
        /// C and asm together).
        public var asm: Int? = 0
        /// Every policy and form of the row finds every asm site.
        public var asmAllFound = true
        /// Per column: annotated sites found; nil where the column's form
        /// was not built for this row.
        public let found: [Int?]
        /// Per column: of those, patchable in place; nil where not built
        /// or not measured.
        public let patchable: [Int?]
        public func patchableText(_ i: Int) -> String { patchable[i].map(String.init) ?? "-" }
        public func percent(_ i: Int) -> String { found[i].map { StudyReport.percent($0, of: annotated) } ?? "-" }
    }

    /// A column: what a policy finds in one form's build.
    public struct Column: Sendable, Equatable {
        public let policy: Policy
        public let form: Form
        /// `decoded`, `dataflow`; `direct` (decoded, on the direct form).
        public var label: String { form == .direct ? "direct" : policy.rawValue }
    }

    /// `decoded`, `dataflow`, and `direct` when the direct form was built.
    public let columns: [Column]
    /// `gcc 12.2.0 objects`.
    public let scope: String
    public let rows: [Row]
    /// `gcc objects, all variants and opt levels`: what the objection
    /// lines count.
    public let objectionScope: String
    /// `1 disassembly: ...`, one line each.
    public let objections: [String]

    init(corpus: [ConfigResult], linux: [ConfigResult], compiler: String, version: String, variants: [String],
         boots: BootProof? = nil) {
        let hasDirect = (corpus + linux).contains { $0.form == .direct }
        let columns = [Column(policy: .decoded, form: .plain), Column(policy: .dataflow, form: .plain)]
            + (hasDirect ? [Column(policy: .decoded, form: .direct)] : [])
        self.columns = columns
        scope = "\(version) objects"
        let everything = corpus + linux
        /// The same configuration in the direct form (and scope: a whole
        /// tree's row is not its subset's).
        func directTwin(_ c: ConfigResult) -> ConfigResult? {
            everything.first {
                $0.form == .direct && $0.compiler == c.compiler && $0.variant == c.variant && $0.opt == c.opt
                    && $0.link == c.link && $0.kernel == c.kernel && $0.retpoline == c.retpoline && $0.scope == c.scope
            }
        }
        func row(_ label: String, _ c: ConfigResult) -> Row {
            let twin = directTwin(c)
            let whole = columns.map { col -> Counts? in
                let config = col.form == .direct ? twin : c
                return config.map { $0.policies[col.policy] ?? Counts() }
            }
            // C apart from asm: asm sites stay a bare call in every build.
            let split = whole.allSatisfy { $0 == nil || $0?.bySource != nil }
            let counts = split ? whole.map { $0.map { $0.bySource?[.c] ?? $0 } } : whole
            let decoded = c.policies[.decoded] ?? Counts()
            var r = Row(label: label, annotated: split ? (decoded.bySource?[.c] ?? decoded).annotated : decoded.annotated,
                        found: counts.map { $0?.found }, patchable: counts.map { $0?.patchable })
            if split {
                let asm = whole.compactMap { $0?.bySource?[.asm] }
                r.asm = asm.first?.annotated ?? 0
                r.asmAllFound = asm.allSatisfy { $0.found == $0.annotated }
            } else if c.clobbers.annotatedAsm > 0 {
                r.asm = nil
            }
            return r
        }
        var rows: [Row] = []
        // The plain form (the 2007 question); the direct form has a line of its own.
        let all = corpus
        let corpus = corpus.filter { $0.form == .plain }
        let isLinux = corpus.contains { $0.kernel != nil }
        // Every Linux result's objects: the whole tree where it was
        // measured, else the subset (vmlinux is in the tables).
        let linuxObjects = (isLinux ? corpus : linux.filter { $0.form == .plain }).filter { $0.link == .object }
        let kernelConfigs = linuxObjects.filter { c in
            c.scope == .tree || !linuxObjects.contains {
                $0.scope == .tree && $0.kernel == c.kernel && $0.compiler == c.compiler && $0.opt == c.opt && $0.retpoline == c.retpoline
            }
        }
        let retpolineLast = { (c: ConfigResult) in c.retpoline == .on ? 1 : 0 }
        let linuxOrder = { (c: ConfigResult) in
            (c.kernel ?? "", c.compiler == compiler ? "" : c.compiler, StudyReport.optOrder(c.opt), retpolineLast(c))
        }
        for c in kernelConfigs.sorted(by: { linuxOrder($0) < linuxOrder($1) }) {
            var r = row(StudyReport.linuxLabel(c, mainCompiler: compiler), c)
            r.priority = c.opt == "-O2" ? 0 : 2
            rows.append(r)
        }
        let objects = isLinux ? [] : corpus.filter { $0.link == .object && $0.compiler == compiler }
        // The first variant at -O0 (what gcc does without optimisation),
        // then every variant at -O2 (or its first level). The first four
        // (no optimisation, kernel flags, retpolines, -fPIC in Corpus/) come
        // before the Linux A/B's other levels when room is short.
        var corpusRows: [Row] = []
        if let first = variants.first, let c = objects.first(where: { $0.variant == first && $0.opt == "-O0" }) {
            corpusRows.append(row("\(first) -O0", c))
        }
        for v in variants {
            let list = objects.filter { $0.variant == v }
            if let c = list.first(where: { $0.opt == "-O2" }) ?? list.first { corpusRows.append(row("\(v) \(c.opt)", c)) }
        }
        for i in corpusRows.indices { corpusRows[i].priority = i < 4 ? 1 : 3 }
        rows += corpusRows
        self.rows = rows
        // Both link forms: objection 5 compares them.
        let objectionConfigs = StudyResult.counted(corpus.filter { $0.compiler == compiler })
        objectionScope = isLinux ? "\(compiler), every config" : "\(compiler), all variants and opt levels"
        objections = (Objection.measure(objectionConfigs) + Objection.direct(StudyResult.counted(all.filter { $0.compiler == compiler })))
            .map { "\($0.number) \($0.headline)" }
            + (boots?.objectionLines() ?? [])
    }
}
