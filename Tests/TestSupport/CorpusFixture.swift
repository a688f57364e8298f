import Foundation
import CorpusBuild

/// The corpus built once per test process, into the fixture cache: a slice
/// of the matrix small enough for CI (kernel at every opt level; the other
/// variants at -O0, -O2 and -Os).
public enum CorpusFixture {
    public static let cacheDirectory = Fixtures.cacheDirectory + "/corpus"

    public static let corpus: Corpus = {
        do { return try Corpus(directory: Fixtures.corpusDirectory) } catch { fatalError("\(error)") }
    }()

    public static let configurations: [BuildConfiguration] = {
        let all = corpus.configurations(compilers: ["gcc"])
        return all.filter { $0.variant == "kernel" || $0.opt == "-O0" || $0.opt == "-O2" || $0.opt == "-Os" }
    }()

    /// The direct form's slice: gcc, kernel, retpoline and pic at -O0,
    /// -O2 and -Os (a subset of `configurations`).
    public static let directConfigurations: [BuildConfiguration] = configurations.filter {
        ["kernel", "retpoline", "pic"].contains($0.variant) && ["-O0", "-O2", "-Os"].contains($0.opt)
    }

    /// Build (or fetch from the cache) the slice, annotated and plain, and
    /// the direct slice; built once per process.
    public static let build: CorpusBuild = {
        do {
            let builder = CorpusBuilder(corpus: corpus, cacheDirectory: cacheDirectory)
            let both = try builder.build(configurations, modes: [.annotated, .plain])
            let direct = try builder.build(directConfigurations, modes: [.direct])
            return CorpusBuild(builds: both.builds + direct.builds, failures: both.failures + direct.failures,
                               warnings: both.warnings + direct.warnings, ran: both.ran + direct.ran,
                               cached: both.cached + direct.cached)
        } catch {
            fatalError("corpus build: \(error)")
        }
    }()

    public static func configuration(_ variant: String, _ opt: String) -> BuildConfiguration {
        BuildConfiguration(compiler: "gcc", variant: variant, opt: opt)
    }

    /// The object of `source` in one configuration and mode.
    public static func object(_ source: String, _ variant: String, _ opt: String, _ mode: BuildMode) -> String? {
        build.find(configuration(variant, opt), mode)?.objects.first { $0.source == source }?.path
    }
}
