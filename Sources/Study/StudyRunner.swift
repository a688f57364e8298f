import CorpusBuild
import DebugInfo
import X86
import Compare
import Pipeline
import Foundation
import MacroSites
import ELF
import RelocSites
import SiteModel

/// Runs the study: builds the corpus, then for every configuration, link
/// form and unannotated form (plain, and direct when the corpus has it)
/// reads the annotated build with MacroSites, scans the other build with
/// all three policies, compares them by source key, and runs the control
/// (the scan on the annotated build itself, same-object).
public struct StudyRunner: Sendable {
    /// A corpus pair's name, as examples and failures show it: its
    /// source's object (`native_compare.o`). The cached files' own names
    /// carry a hash that differs between machines.
    public static func pairName(source: String) -> String {
        URL(fileURLWithPath: source).deletingPathExtension().lastPathComponent + ".o"
    }

    public let corpus: Corpus
    public let cacheDirectory: String
    /// Examples kept per (outcome, cause, policy).
    public var examplesPerCause = 3
    /// The forms compared with the annotated build: every form the corpus
    /// builds, unless narrowed (only these modes are built).
    public var forms: [Form]

    public init(corpus: Corpus, cacheDirectory: String) {
        self.corpus = corpus
        self.cacheDirectory = cacheDirectory
        forms = corpus.forms
    }

    public func run(_ configurations: [BuildConfiguration],
                    progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws -> StudyResult {
        let builder = CorpusBuilder(corpus: corpus, cacheDirectory: cacheDirectory)
        var buildProgress: (@Sendable (Int, Int) -> Void)?
        if let progress { buildProgress = { done, total in progress("building", done, total) } }
        let build = try builder.build(configurations, modes: [.annotated] + forms.map(\.mode), progress: buildProgress)
        var units: [StudyUnit] = []
        let prefix = corpus.config.trampolines?.prefix
        for form in forms {
            for cfg in configurations {
                guard let a = build.find(cfg, .annotated), let p = build.find(cfg, form.mode) else { continue }
                if corpus.config.links.contains(.object) {
                    var plainBySource: [String: String] = [:]
                    for o in p.objects { plainBySource[o.source] = o.path }
                    var pairs: [ObjectPair] = []
                    for o in a.objects {
                        if let q = plainBySource[o.source] {
                            pairs.append(ObjectPair(annotated: o.path, plain: q, name: Self.pairName(source: o.source)))
                        }
                    }
                    units.append(StudyUnit(configuration: cfg, link: .object, pairs: pairs, form: form, trampolinePrefix: prefix))
                }
                if corpus.config.links.contains(.linked), let ai = a.image, let pi = p.image {
                    units.append(StudyUnit(configuration: cfg, link: .linked,
                                           pairs: [ObjectPair(annotated: ai, plain: pi, name: "linked image")],
                                           form: form, trampolinePrefix: prefix))
                }
            }
        }
        // Op names from the plain builds' DWARF (a direct object names the
        // table only where a header reads a data field).
        var nameFiles = units.filter { $0.form == .plain }.reversed().flatMap { $0.pairs.map(\.plain) }
        if nameFiles.isEmpty {
            nameFiles = try builder.build(configurations, modes: [.plain], links: false).builds.flatMap { $0.objects.map(\.path) }
        }
        let names = OpNames.firstNaming(paths: nameFiles)
        var pairProgress: (@Sendable (Int, Int) -> Void)?
        if let progress { pairProgress = { done, total in progress("comparing", done, total) } }
        let measured = StudyMeasurement.run(units, names: names, examplesPerCause: examplesPerCause,
                                            progress: pairProgress)
        var compilers: [String: String] = [:]
        for c in corpus.availableCompilers().available where configurations.contains(where: { $0.compiler == c.name }) {
            compilers[c.name] = Toolchain.version(of: c.command)
        }
        let skipped = corpus.availableCompilers().skipped.map { SkippedCompiler(compiler: $0.0, reason: $0.1) }
        // Relaxation: GOT references the objects have and the image lost.
        var configs = measured.configs
        for i in configs.indices where configs[i].link == .linked {
            if let o = configs.first(where: { $0.link == .object && $0.configuration == configs[i].configuration && $0.form == configs[i].form }) {
                configs[i].references.relaxed = max(0, o.references.viaGOT - configs[i].references.viaGOT)
            }
        }
        // Text bytes: every row of a configuration and link has each form's.
        for i in configs.indices {
            for other in configs where other.configuration == configs[i].configuration && other.link == configs[i].link {
                switch other.form {
                case .plain: configs[i].textBytes.plain = other.textBytes.plain
                case .direct: configs[i].textBytes.direct = other.textBytes.direct
                }
            }
        }
        var result = StudyResult(MeasuredStudy(title: corpus.directory, compilers: compilers, skipped: skipped,
                                               configs: configs, examples: measured.examples,
                                               failures: build.failures + measured.failures, warnings: build.warnings))
        result.shapes = corpus.config.shapes
        return result
    }
}
