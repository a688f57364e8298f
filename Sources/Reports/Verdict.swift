import Compare
import CorpusBuild
import Pipeline
import RelocSites
import Study

/// The report's first lines: at most ten sentences a reviewer can quote
/// as they are, each with its numbers, its unit (`sites`) and its scope
/// (kernel version, part of the tree, compiler and level, retpolines).
/// Linux first (the whole tree where it was measured, and vmlinux), then
/// the corpus one configuration at a time: a corpus file is a shape, not
/// a sample, so no sentence sums configurations, -O0 or variants.
public struct Verdict: Sendable {
    /// One sentence, and the numbers it states (for the tests that hold
    /// them to the JSON).
    public struct Sentence: Sendable {
        public let text: String
        /// `sites` for every sentence but the no-Linux line (`nil`).
        public let unit: String?
        /// `Linux 6.1, whole kernel (2791 objects), gcc -O2`.
        public let scope: String
        /// The configurations counted, in the order the sentence states
        /// them (`configs[i]` of the JSON they came from: a Linux sentence
        /// has one per retpoline setting); empty for the no-Linux line.
        public let configs: [ConfigResult]
    }

    public static let maxSentences = 10
    /// Linux count sentences at most (a version, compiler and level each).
    static let maxLinux = 5
    /// Boot-proof sentences at most, after the counts, whatever room those
    /// took: the boots are what the counts are put to the test by.
    static let maxBoots = 3
    /// Corpus sentences at most: the first two variants at -O2 (the
    /// bottom line has -O0, the tables and the direct form's the rest).
    static let maxCorpus = 2

    public let sentences: [Sentence]

    /// `linux`: the Linux results' configurations (or the study's own when
    /// it is a kernel study); `none`: the line saying there are none.
    init(corpus: [ConfigResult], linux: [ConfigResult], none: String?, compiler: String, version: String,
         variants: [String], shapes: [String: CorpusShape]? = nil, boots: BootProof? = nil) {
        var out: [Sentence] = []
        out += Self.linuxSentences(linux, mainCompiler: compiler)
        // The boot proof after the counts it puts to the test.
        for text in (boots?.sentences() ?? []).prefix(Self.maxBoots) {
            out.append(Sentence(text: text, unit: "records", scope: "Linux boot", configs: []))
        }
        if let none { out.append(Sentence(text: none, unit: nil, scope: "Linux", configs: [])) }
        let room = Self.maxSentences - out.count
        if room > 0 {
            out += Array(Self.corpusSentences(corpus.filter { $0.kernel == nil }, compiler: compiler, version: version,
                                              variants: variants, shapes: shapes).prefix(min(room, Self.maxCorpus)))
        }
        sentences = out
    }

    // MARK: Linux

    /// A sentence per (version, compiler, opt), retpolines off then on
    /// within it, -O2 first; at most `maxLinux`, the last saying how many
    /// more the tables hold. One sentence for both retpoline settings keeps
    /// every configuration of a whole-kernel record (6.1's gcc -O2 and -Os,
    /// clang -O2; 6.12's two levels) in the verdict.
    static func linuxSentences(_ configs: [ConfigResult], mainCompiler: String) -> [Sentence] {
        let plain = configs.filter { $0.form == .plain && $0.kernel != nil }
        struct Group: Hashable { let kernel: String, compiler: String, opt: String }
        var groups: [Group] = []
        for c in plain {
            let g = Group(kernel: c.kernel!, compiler: c.compiler, opt: c.opt)
            if !groups.contains(g) { groups.append(g) }
        }
        let order = { (g: Group) in
            (LinuxResult.versionOrder(g.kernel), g.compiler == mainCompiler ? "" : g.compiler,
             g.opt == "-O2" ? -1 : StudyReport.optOrder(g.opt))
        }
        groups.sort { order($0) < order($1) }
        var out: [Sentence] = []
        for (i, g) in groups.enumerated() {
            if i == maxLinux - 1 && groups.count > maxLinux {
                let n = groups.count - i
                out.append(Sentence(text: "\(n) more Linux configurations (version, compiler, level) are in the tables below.",
                                    unit: nil, scope: "Linux", configs: []))
                break
            }
            let rows = plain.filter { $0.kernel == g.kernel && $0.compiler == g.compiler && $0.opt == g.opt }
            var settings: [Retpoline?] = []
            for r in rows where !settings.contains(r.retpoline) { settings.append(r.retpoline) }
            settings.sort { ($0 == .on ? 1 : 0) < ($1 == .on ? 1 : 0) }
            var parts: [Part] = []
            for setting in settings {
                let same = rows.filter { $0.retpoline == setting }
                let objects = same.first { $0.scope == .tree } ?? same.first { $0.link == .object }
                let vmlinux = same.first { $0.scope == .vmlinux || ($0.scope == nil && $0.link == .linked) }
                guard let main = objects ?? vmlinux else { continue }
                let direct = configs.first {
                    $0.form == .direct && $0.kernel == g.kernel && $0.compiler == g.compiler && $0.opt == g.opt
                        && $0.retpoline == setting && $0.scope == main.scope && $0.link == main.link
                }
                parts.append(Part(main: main, vmlinux: main.link == .object ? vmlinux : nil, direct: direct))
            }
            if !parts.isEmpty { out.append(linuxSentence(parts)) }
        }
        return out
    }

    /// One retpoline setting of a sentence: the configuration it counts
    /// (the whole tree, else the objects, else the image), its vmlinux row
    /// and its direct form where measured.
    struct Part {
        let main: ConfigResult
        let vmlinux: ConfigResult?
        let direct: ConfigResult?
    }

    /// `Linux 6.1, whole kernel (2791 objects), gcc -O2`.
    static func linuxScope(_ c: ConfigResult) -> String {
        let part: String
        switch c.scope {
        case .tree?: part = "whole kernel (\(c.objects ?? 0) objects)"
        case .vmlinux?: part = "vmlinux"
        case .subset?, nil: part = c.link == .linked ? "vmlinux" : c.objects.map { "a subset of \($0) objects" } ?? "objects"
        }
        return "Linux \(c.kernel ?? "?"), \(part), \(c.compiler) \(c.opt)"
    }

    /// `<scope>: retpolines off, of 3103 annotated C sites a dataflow
    /// relocation scan finds 3086 (99.5%), 2740 patchable in place
    /// (88.3%), decoded 3029 (97.6%; 57 missed at pointer-in-register),
    /// vmlinux dataflow 3086 of 3103, 2740 patchable; retpolines on, of
    /// 3105 ...`. Percentages are of the annotated sites.
    static func linuxSentence(_ parts: [Part]) -> Sentence {
        let scope = linuxScope(parts[0].main)
        // The C sites alone where the result splits them.
        func counts(_ config: ConfigResult, _ p: Policy) -> Counts {
            let k = config.policies[p] ?? Counts()
            return k.bySource?[.c] ?? k
        }
        let clauses = parts.enumerated().map { i, part -> String in
            let c = part.main
            let d = counts(c, .decoded), f = counts(c, .dataflow)
            func pct(_ n: Int) -> String { StudyReport.percent(n, of: f.annotated) }
            var text = c.retpoline.map { "retpolines \($0), " } ?? ""
            text += "of \(f.annotated) annotated \(sourceWord(c)) sites "
                + (i == 0 ? "a dataflow relocation scan finds" : "dataflow finds") + " \(f.found) (\(pct(f.found)))"
            if let p = f.patchable { text += ", \(p) patchable in place (\(pct(p)))" }
            text += ", decoded \(d.found) (\(StudyReport.percent(d.found, of: d.annotated))"
            if let cause = topCause(d), d.found < d.annotated {
                text += "; \(cause.count) missed at \(cause.cause.rawValue)"
            }
            text += ")"
            if let direct = part.direct, direct.policies[.decoded] != nil {
                let dd = counts(direct, .decoded)
                text += ", direct form (calls to per-op trampolines) decoded \(dd.found) of \(dd.annotated)"
            }
            if let v = part.vmlinux, v.policies[.dataflow] != nil {
                let vf = counts(v, .dataflow)
                text += ", vmlinux dataflow \(vf.found) of \(vf.annotated)" + (vf.patchable.map { ", \($0) patchable" } ?? "")
            }
            return text
        }
        return Sentence(text: scope + ": " + clauses.joined(separator: "; ") + ".", unit: "sites", scope: scope,
                        configs: parts.map(\.main))
    }

    /// `C` when no annotated site is hand-written asm (a kernel's
    /// `.parainstructions` are all C macros), else nothing.
    static func sourceWord(_ c: ConfigResult) -> String {
        c.clobbers.annotatedAsm == 0 || c.policies[.dataflow]?.bySource != nil ? "C" : "C and asm"
    }

    static func topCause(_ c: Counts) -> (cause: Cause, count: Int)? {
        c.causes.filter { $0.key.isScanMiss }.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }
            .map { ($0.key, $0.value) }
    }

    // MARK: Corpus

    /// One configuration per sentence, C apart from asm when the result
    /// splits them: the first two variants at -O2, the first variant's
    /// -O0 (a level no kernel is built at), its direct form at -O2, then
    /// the other variants at -O2 (`maxCorpus` keeps the first few).
    static func corpusSentences(_ configs: [ConfigResult], compiler: String, version: String,
                                variants: [String], shapes: [String: CorpusShape]? = nil) -> [Sentence] {
        let objects = configs.filter { $0.compiler == compiler && $0.link == .object }
        func pick(_ v: String, _ opt: String, _ form: Form) -> ConfigResult? {
            let list = objects.filter { $0.variant == v && $0.form == form }
            return list.first { $0.opt == opt } ?? (opt == "-O2" ? list.first { $0.opt != "-O0" } : nil)
        }
        // The first variant at -O2, the next variant at -O2 (retpolines in
        // Corpus/), the first at -O0, its direct form, then the others.
        var out: [Sentence] = []
        for v in variants.prefix(2) {
            if let c = pick(v, "-O2", .plain) { out.append(corpusSentence(c, version: version, shapes: shapes)) }
        }
        if let v = variants.first, let c = pick(v, "-O0", .plain) {
            out.append(corpusSentence(c, version: version, shapes: shapes))
        }
        if let v = variants.first, let c = pick(v, "-O2", .direct) {
            out.append(corpusSentence(c, version: version, shapes: shapes))
        }
        for v in variants.dropFirst(2) {
            if let c = pick(v, "-O2", .plain) { out.append(corpusSentence(c, version: version, shapes: shapes)) }
        }
        return out
    }

    /// `Corpus, gcc 12.2.0 -O2, variant kernel, objects`; -O0 says no
    /// kernel is built so, the direct form says what it is.
    static func corpusScope(_ c: ConfigResult, version: String) -> String {
        "Corpus, \(version) \(c.opt)" + (c.opt == "-O0" ? " (no kernel is built so)" : "")
            + ", variant \(c.variant)" + (c.form == .direct ? ", direct form (calls to per-op trampolines)" : "")
            + ", objects"
    }

    static func corpusSentence(_ c: ConfigResult, version: String, shapes: [String: CorpusShape]?) -> Sentence {
        let scope = corpusScope(c, version: version)
        let d = c.policies[.decoded] ?? Counts(), f = c.policies[.dataflow] ?? Counts()
        func found(_ k: Counts, first: Bool) -> String {
            "\(k.found)" + (k.patchable.map { first ? " (\($0) patchable in place)" : " (\($0) patchable)" } ?? "")
        }
        var text = scope + ": "
        if c.form == .direct {
            let dc = d.bySource?[.c] ?? d
            text += "of \(dc.annotated) annotated \(d.bySource == nil ? "" : "C ")sites, decoded finds " + found(dc, first: true)
        } else if let dc = d.bySource?[.c], let fc = f.bySource?[.c], let da = d.bySource?[.asm],
                  let fa = f.bySource?[.asm] {
            text += "of \(dc.annotated) annotated C sites, decoded finds " + found(dc, first: true)
                + ", dataflow " + found(fc, first: false)
            if da.annotated > 0 {
                text += da.found == da.annotated && fa.found == fa.annotated
                    ? "; all \(da.annotated) hand-written asm sites found"
                    : "; of \(da.annotated) hand-written asm sites, decoded finds \(da.found), dataflow \(fa.found)"
            }
        } else {
            text += "of \(d.annotated) annotated sites (C and asm together), decoded finds " + found(d, first: true)
                + ", dataflow " + found(f, first: false)
        }
        // How much of what the scan misses the corpus wrote on purpose.
        if let shapes, c.form == .plain, d.realMissed > 0 {
            let adversarial = ShapeCatalogue.missed(c, .decoded, in: .adversarial, shapes: shapes)
            text += "; \(adversarial) of decoded's \(d.realMissed) misses are in adversarial files"
        }
        return Sentence(text: text + ".", unit: "sites", scope: scope, configs: [c])
    }
}
