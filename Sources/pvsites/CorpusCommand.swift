import Reports
import CorpusBuild
import ArgumentParser
import Foundation

/// Options naming a corpus and a slice of its matrix.
struct CorpusOptions: ParsableArguments {
    @Option(name: .customLong("corpus"),
            help: "The corpus directory, laid out like Corpus/ (default: ./Corpus, else the one of the checkout or installation the binary belongs to).")
    var corpusOption: String?

    /// The corpus directory: the option, else the built-in corpus wherever
    /// `RepositoryFiles` finds it (so an installed pvsites runs its study
    /// from any directory), else `Corpus` (whose absence is then the error).
    var corpus: String {
        if let corpusOption { return corpusOption }
        // Spelled as before when it is the current directory's, so messages say `Corpus/configs.json`.
        if FileManager.default.fileExists(atPath: "Corpus/configs.json") { return "Corpus" }
        return RepositoryFiles.locate("Corpus", containing: "configs.json") ?? "Corpus"
    }

    @Option(name: .customLong("compiler"), help: "Only this compiler (repeatable; default: the default one).")
    var compilers: [String] = []

    @Option(name: .customLong("variant"), help: "Only this variant (repeatable).")
    var variants: [String] = []

    @Option(name: .customLong("opt"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Only this opt level: -O2, O2 or --opt=-O2 (repeatable).", valueName: "level"),
            transform: { $0.hasPrefix("-") ? $0 : "-" + $0 })
    var opts: [String] = []

    func load() throws -> Corpus {
        do { return try Corpus(directory: corpus) } catch { throw error }
    }

    func configurations(_ c: Corpus) throws -> [BuildConfiguration] {
        for v in variants where !c.config.variants.contains(where: { $0.name == v }) {
            throw CLIError(.notInCorpus, "--variant \(v): \(corpus)/configs.json has \(c.config.variants.map(\.name).joined(separator: ", "))")
        }
        for o in opts where !c.config.opts.contains(o) {
            throw CLIError(.notInCorpus, "--opt \(o): \(corpus)/configs.json has \(c.config.opts.joined(separator: ", "))")
        }
        for name in compilers where !c.config.compilers.contains(where: { $0.name == name }) {
            throw CLIError(.notInCorpus, "--compiler \(name): \(corpus)/configs.json has \(c.config.compilers.map(\.name).joined(separator: ", "))")
        }
        return c.configurations(compilers: compilers.isEmpty ? nil : compilers,
                                variants: variants.isEmpty ? nil : variants, opts: opts.isEmpty ? nil : opts)
    }

    /// For the commands that build (study, corpus build): a compiler named
    /// with --compiler must be installed, and something must be selected.
    func buildableConfigurations(_ c: Corpus) throws -> [BuildConfiguration] {
        let configs = try configurations(c)
        let missing = c.availableCompilers().skipped
        for name in compilers {
            if let (_, why) = missing.first(where: { $0.0 == name }) { throw CLIError(.compilerUnavailable, "--compiler \(name): \(why)") }
        }
        if configs.isEmpty {
            if c.availableCompilers().available.isEmpty {
                throw CLIError(.compilerUnavailable, "\(corpus)/configs.json: none of its compilers is installed ("
                    + missing.map(\.1).joined(separator: ", ") + ")")
            }
            throw CLIError(.nothingSelected, "\(corpus)/configs.json: no configuration selected")
        }
        return configs
    }
}


struct CorpusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corpus",
        abstract: "Build or list the corpus matrix.",
        subcommands: [Build.self, List.self]
    )

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build every configuration in both modes, cached.")

        @OptionGroup var selection: CorpusOptions

        @Option(name: [.customLong("cache"), .customLong("out")],
                help: "Cache directory (default: $PVSITES_CACHE/corpus or ~/.cache/pvsites/corpus); --out is the old name.")
        var cache: String?

        func run() throws {
            let corpus = try selection.load()
            let configs = try selection.buildableConfigurations(corpus)
            let builder = CorpusBuilder(corpus: corpus, cacheDirectory: cache ?? CorpusBuilder.defaultCacheDirectory)
            let start = Date()
            let build = try builder.build(configs, progress: Progress.line("building"))
            Progress.finish()
            for f in build.failures { Diagnostics.error(f.line) }
            let seconds = Date().timeIntervalSince(start)
            // Failures are counted once, by the last line on stderr.
            print(TextTable.count(configs.count, "configuration") + ", " + TextTable.count(build.builds.count, "build")
                + ": \(build.ran) compiled or linked, \(build.cached) from cache in \(String(format: "%.1f", seconds)) s")
            print("cache: \(builder.cacheDirectory)")
            if !build.warnings.isEmpty {
                print(BuildWarning.summary(build.warnings) + ":")
                let shown = 20
                for w in build.warnings.prefix(shown) { print("  " + w.line) }
                if build.warnings.count > shown { print("  and \(build.warnings.count - shown) more") }
            }
            if !build.failures.isEmpty {
                Diagnostics.failedCount(build.failures.count)
                throw ExitCode(2)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List configurations × files.")

        @OptionGroup var selection: CorpusOptions

        @Option(help: "text or json.")
        var format: OutputFormat = .text

        @Option(help: "Cache directory the builds are looked up in, as given to corpus build (default: $PVSITES_CACHE/corpus or ~/.cache/pvsites/corpus).")
        var cache: String?

        struct Listing: Encodable {
            struct Summary: Codable { let files: Int; let configs: Int; let builds: Int }
            struct Skipped: Codable { let compiler: String; let reason: String }
            /// Where one mode's build is: the objects' directory and files
            /// (those already built) and the linked image (once linked).
            struct Build: Codable {
                let objects: String
                let objectFiles: [String]
                let image: String?
                enum CodingKeys: String, CodingKey {
                    case objects, image
                    case objectFiles = "object_files"
                }
            }
            /// A configuration's fields, and `builds` by mode.
            struct Config: Encodable {
                let configuration: BuildConfiguration
                let builds: [String: Build]
                enum CodingKeys: String, CodingKey { case builds }
                func encode(to encoder: Encoder) throws {
                    try configuration.encode(to: encoder)
                    var c = encoder.container(keyedBy: CodingKeys.self)
                    try c.encode(builds, forKey: .builds)
                }
            }
            var schema = 1
            let summary: Summary
            let files: [String]
            let configs: [Config]
            let skipped: [Skipped]
        }

        func run() throws {
            let corpus = try selection.load()
            let configs = try selection.configurations(corpus)
            let skipped = corpus.availableCompilers().skipped.map { Listing.Skipped(compiler: $0.0, reason: $0.1) }
            let builder = CorpusBuilder(corpus: corpus, cacheDirectory: cache ?? CorpusBuilder.defaultCacheDirectory)
            var builds: [BuildConfiguration: [String: Listing.Build]] = [:]
            if format == .json {
                for b in builder.locate(configs) {
                    builds[b.configuration, default: [:]][b.mode.rawValue] = Listing.Build(
                        objects: builder.cacheDirectory + "/obj", objectFiles: b.objects.map(\.path), image: b.image)
                }
            }
            let listing = Listing(summary: .init(files: corpus.sources.count, configs: configs.count,
                                                 builds: configs.count * BuildMode.allCases.count * corpus.config.links.count),
                                  files: corpus.sources,
                                  configs: configs.map { Listing.Config(configuration: $0, builds: builds[$0] ?? [:]) },
                                  skipped: skipped)
            switch format {
            case .json: print(try JSONOutput.encode(listing), terminator: "")
            case .text:
                print(TextTable.count(corpus.sources.count, "file") + ":")
                for f in corpus.sources { print("  \(f)") }
                print(TextTable.count(configs.count, "configuration") + " (x \(BuildMode.allCases.map(\.rawValue).joined(separator: ", "))"
                    + " x \(corpus.config.links.map(\.rawValue).joined(separator: ", "))):")
                for c in configs { print("  \(c)") }
                for s in skipped { print("skipped \(s.compiler): \(s.reason)") }
            }
        }
    }
}
