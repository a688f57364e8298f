import ArgumentParser
import CorpusBuild
import Foundation
import Kernel
import Reports
import Study

extension Form: ExpressibleByArgument {}

/// Options naming the kernel matrix and where its trees are.
struct KernelOptions: ParsableArguments {
    @Option(help: "Kernel version (one with a Kernels/linux-<version>/version.info; `kernel list` names them).")
    var kernel: String = "6.1"

    @Option(name: .customLong("compiler"),
            help: "Compiler: gcc, gcc-11 (with GNU binutils), clang-14 (with the LLVM toolchain: LLVM=-14); repeatable; default gcc.")
    var compilers: [String] = []

    @Option(name: .customLong("opt"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("-O2 or -Os, also written O2 or --opt=-O2 (repeatable; default both).", valueName: "level"))
    var opts: [String] = []

    @Option(name: .customLong("retpoline"), help: ArgumentHelp("on or off (repeatable; default both).", valueName: "on|off"))
    var retpolines: [String] = []

    @Option(name: .customLong("form"),
            help: ArgumentHelp("The unannotated build compared with the annotated one: plain (C calls through pv_ops) or direct (direct calls to per-op trampolines); repeatable. Default: plain, and direct where its tree is built.",
                               valueName: "plain|direct"))
    var forms: [Form] = []

    @Option(parsing: .upToNextOption,
            help: ArgumentHelp("Directories to build and compare (default: the version's subset, in Kernels/linux-<version>/version.info).",
                               valueName: "dir"))
    var subset: [String] = []

    @Flag(help: "The whole kernel: build every object and link vmlinux (with --emit-relocs) and bzImage; study compares the default subset, every object pair of the tree and the two vmlinux, a row each (scope subset, tree, vmlinux).")
    var full = false

    @Option(help: ArgumentHelp("Your own kernel tree instead of Debian's linux-source; never modified (built from a hard-link copy).",
                             valueName: "dir"))
    var source: String?

    @Option(help: ArgumentHelp("Cache for sources and builds (default: $PVSITES_CACHE/kernels or ~/.cache/pvsites/kernels).",
                             valueName: "dir"))
    var cache: String?

    @Option(help: ArgumentHelp("The repository's Kernels/ directory (default: ./Kernels, else next to the executable).",
                             valueName: "dir"))
    var kernels: String?

    @Option(name: .short, help: "Parallel compile jobs per build (default 2).")
    var jobs: Int = 2

    func validate() throws {
        for o in opts where KernelConfig.opt(o) == nil { throw ValidationError("--opt \(o): use -O2 or -Os") }
        for r in retpolines where r != "on" && r != "off" { throw ValidationError("--retpoline \(r): use on or off") }
        if jobs < 1 { throw ValidationError("-j must be 1 or more") }
        if full && !subset.isEmpty { throw ValidationError("--full builds vmlinux and the default subset; it does not go with --subset") }
        for d in subset where d.hasPrefix("/") || d.contains("..") {
            throw ValidationError("--subset \(d): a directory relative to the kernel tree")
        }
    }

    /// The repository's Kernels/ directory and the versions it describes.
    func versions() throws -> (files: String, known: [KernelVersion]) {
        // An explicit --kernels must be such a directory too.
        guard let files = KernelFiles.locate(kernels), FileManager.default.fileExists(atPath: files + "/build.sh") else {
            throw CLIError(.noKernelsDirectory, "\(kernels ?? FileManager.default.currentDirectoryPath): "
                + "no Kernels/ directory with build.sh (run from the repository or pass --kernels)")
        }
        do { return (files, try KernelVersion.known(in: files)) } catch let e as KernelError { throw e }
    }

    func setup() throws -> KernelSetup {
        let (files, known) = try versions()
        guard let version = known.first(where: { $0.name == kernel }) else {
            throw KernelError.unknownKernel(kernel, known: known.map(\.name))
        }
        let setup = KernelSetup(kernel: version, files: files, cache: cache ?? KernelSetup.defaultCache, source: source,
                                subset: subset.isEmpty ? version.subset : subset, full: full)
        let patches = Set(([BuildMode.annotated] + forms.map(\.mode)).flatMap(setup.patches))
        for f in [setup.buildScript] + patches.sorted() where !FileManager.default.fileExists(atPath: f) {
            throw KernelError.missingFiles(f)
        }
        if let source = setup.source, KernelSource.treeVersion(source) == nil {
            throw KernelError.notATree(source)
        }
        return setup
    }

    func configs(_ setup: KernelSetup) -> [KernelConfig] {
        KernelConfig.matrix(kernel: setup.kernel, compilers: compilers.isEmpty ? ["gcc"] : compilers,
                            opts: opts.isEmpty ? KernelConfig.opts : opts.compactMap(KernelConfig.opt),
                            retpolines: retpolines.isEmpty ? [true, false] : retpolines.map { $0 == "on" })
    }

    /// `configs`, when every compiler they name is installed with its
    /// toolchain; else one line naming the first that is not (exit 2),
    /// before anything is fetched or built.
    func installedConfigs(_ setup: KernelSetup) throws -> [KernelConfig] {
        let configs = configs(setup)
        for c in Set(configs.map(\.compiler)).sorted() where !KernelBuilder.isInstalled(c) {
            throw KernelError.compilerMissing(c)
        }
        return configs
    }
}

struct KernelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel",
        abstract: "The Linux A/B: build a kernel annotated and unannotated (plain C calls, or direct calls to trampolines) and compare them object by object.",
        discussion: """
            The source is Debian's linux-source-<version> (apt-get download, \
            unpacked once into the cache) or your own tree (--source). The \
            plain-mode patch in Kernels/linux-<version>/ (and, for the direct \
            form, direct-mode.patch after it) is applied in a hard-link copy; \
            each configuration and mode builds out of tree in the cache, \
            incrementally.
            """,
        subcommands: [Build.self, Compare.self, List.self, Boot.self]
    )

    /// The progress line last written (events come from one build at a time).
    nonisolated(unsafe) static var lastProgress = ""

    /// Progress and failures of builds, on stderr.
    static func report(_ event: KernelStudy.Event) {
        switch event {
        case .log(let line):
            Progress.finish()
            Diagnostics.warning("pvsites: " + line)
        case .building(let p):
            guard Diagnostics.stderrIsTerminal else { return }
            let count = p.total.map { "\(p.compiled)/\($0)" } ?? "\(p.compiled)"
            let line = "\(p.config) \(p.mode.rawValue): \(p.step), \(count) object\(p.compiled == 1 && p.total == nil ? "" : "s") compiled, \(Int(p.seconds)) s"
            guard line != lastProgress else { return }   // make prints many lines per object
            lastProgress = line
            FileHandle.standardError.write(Data("\r\(line)\u{1b}[K".utf8))
        case let .built(config, mode, seconds):
            Progress.finish()
            if Diagnostics.stderrIsTerminal {
                Diagnostics.warning("pvsites: built \(config) \(mode.rawValue) in \(Int(seconds)) s")
            }
        case let .comparing(done, total):
            guard Diagnostics.stderrIsTerminal, done == total || done % 8 == 0 else { return }
            FileHandle.standardError.write(Data("\rcomparing \(done)/\(total) object pairs\u{1b}[K".utf8))
        }
    }

    /// A failed build: one line, then the compiler's own lines and the config.
    static func fail(_ error: KernelError) -> Error {
        Progress.finish()
        if case let .buildFailed(config, mode, _, lines, dotConfig) = error {
            Diagnostics.error(error.description)
            for l in lines { Diagnostics.warning(l) }
            if !lines.isEmpty {
                Diagnostics.warning("pvsites: config: \(config) \(mode.rawValue); .config: \(dotConfig)")
            }
            return ExitCode(2)
        }
        if case .interrupted(let sig) = error {
            Diagnostics.error(error.description)
            return ExitCode(128 + sig)
        }
        return error
    }

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Build the annotated tree of each configuration and the tree of each form (--form; default plain, and direct where built).")

        @OptionGroup var options: KernelOptions

        func run() throws {
            let setup = try options.setup()
            var builder = KernelBuilder(setup: setup)
            builder.jobs = options.jobs
            let configs = try options.installedConfigs(setup)
            let study = KernelStudy(setup: setup)
            do {
                try KernelSource.ensure(setup) { KernelCommand.report(.log($0)) }
                for config in configs {
                    for mode in [BuildMode.annotated] + study.forms(config, requested: options.forms).map(\.mode) {
                        let seconds = try builder.build(config, mode) { KernelCommand.report(.building($0)) }
                        Progress.finish()
                        print("\(config) \(mode.rawValue): \(setup.buildDirectory(config, mode)) (\(Int(seconds)) s)")
                    }
                }
            } catch let e as KernelError {
                throw KernelCommand.fail(e)
            }
        }
    }

    struct Compare: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "study",
            abstract: "Build what is missing, compare every object pair with every policy, and report.")

        @OptionGroup var options: KernelOptions

        @Option(help: "text, markdown, json or html.")
        var format: ReportFormat = .text

        @Option(name: .shortAndLong, help: "Write the report to FILE (atomically) instead of stdout.")
        var output: String?

        // Not StudyReportOptions' --full (the whole report): KernelOptions'
        // --full builds vmlinux.
        @Flag(name: .customLong("full-report"), help: "Every table and the objections in full (study's --full).")
        var fullReport = false

        @OptionGroup var detail: ReportDetailOptions

        @Flag(help: "Also write the result, one file per compiler, to Kernels/results/<version>-<compiler>.json: the recorded result `pvsites study` leads with.")
        var record = false

        @Flag(name: .customLong("check-recorded"),
              help: "Compare the counts with the recorded results of the same version and compilers (Kernels/results/); exit 1 when one differs.")
        var checkRecorded = false

        func validate() throws {
            if record && checkRecorded { throw ValidationError("--record and --check-recorded: one or the other") }
        }

        func run() throws {
            let setup = try options.setup()
            var study = KernelStudy(setup: setup)
            study.examplesPerCause = 3
            var result: StudyResult
            do {
                result = StudyResult(try study.run(options.installedConfigs(setup), forms: options.forms, jobs: options.jobs) {
                    KernelCommand.report($0)
                })
            } catch let e as KernelError {
                throw KernelCommand.fail(e)
            }
            Progress.finish()
            result.tool = Version.tool()
            // Left for the corpus study, which leads its report with it.
            if setup.source == nil {
                let file = KernelSetup.resultsFile(cache: setup.cache, kernel: setup.kernel.name)
                try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                         withIntermediateDirectories: true)
                try? Output.write(try JSONOutput.encode(result), to: file)
            }
            try Output.write(try format.render(result, options: detail.report(full: fullReport)),
                             to: output)
            for f in result.failures { Diagnostics.error(f.line) }
            if !result.failures.isEmpty {
                Diagnostics.failedCount(result.failures.count, noun: "object")
                throw ExitCode(2)
            }
            if record {
                for (compiler, one) in KernelRecord.split(result) {
                    let file = RecordedResults.file(kernels: setup.files, version: setup.kernel.name, compiler: compiler)
                    try? FileManager.default.createDirectory(atPath: RecordedResults.directory(kernels: setup.files),
                                                             withIntermediateDirectories: true)
                    try Output.write(try JSONOutput.encode(one), to: file)
                    Diagnostics.warning("pvsites: recorded \(file)")
                }
            }
            if checkRecorded { try KernelRecord.check(result, setup: setup) }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the kernel versions Kernels/ describes, then the configurations, their annotated, plain and direct build directories, and whether they are built.")

        @OptionGroup var options: KernelOptions

        @Option(help: "text or json.")
        var format: OutputFormat = .text

        /// A version Kernels/ describes (its linux-<name>/version.info).
        struct Version: Codable {
            let name: String
            /// The Debian source package.
            let package: String
            let directory: String
            let recordSection: String
            let subset: [String]

            enum CodingKeys: String, CodingKey {
                case name, package, directory, subset
                case recordSection = "record_section"
            }
        }

        struct Listing: Codable {
            var schema = 1
            let versions: [Version]
            let kernel: String
            let source: String
            let sourceCached: Bool
            let cache: String
            let subset: [String]
            let full: Bool
            let configs: [KernelStatus]

            enum CodingKeys: String, CodingKey {
                case schema, versions, kernel, source, cache, subset, full, configs
                case sourceCached = "source_cached"
            }
        }

        func run() throws {
            let known = try options.versions().known
            let versions = known.map {
                Version(name: $0.name, package: $0.package, directory: $0.directory, recordSection: $0.recordSection, subset: $0.subset)
            }
            let setup = try options.setup()
            let status = KernelStatus.of(options.configs(setup), setup: setup)
            let listing = Listing(versions: versions, kernel: setup.kernel.name, source: setup.pristine, sourceCached: KernelSource.isCached(setup),
                                  cache: setup.cache, subset: setup.subset, full: setup.full, configs: status)
            switch format {
            case .json: print(try JSONOutput.encode(listing), terminator: "")
            case .text:
                print("versions: " + known.map { "\($0.name) (\($0.package))" }.joined(separator: ", "))
                print("\(setup.kernel): source \(setup.pristine)\(KernelSource.isCached(setup) ? "" : " (not there yet)")")
                print("subset: \(setup.subset.joined(separator: " "))\(setup.full ? " and vmlinux" : "")")
                for s in status {
                    let note = s.installed ? "" : " (\(s.compiler) not installed)"
                    print("\(s.name)\(note)")
                    for (mode, t) in [("annotated", s.annotated), ("plain", s.plain), ("direct", s.direct)] {
                        print("  \(TextTable.pad(mode, 10)) \(t.built ? "built" : "not built"), \(TextTable.count(t.objects, "object")): \(t.directory)")
                    }
                }
            }
        }
    }
}
