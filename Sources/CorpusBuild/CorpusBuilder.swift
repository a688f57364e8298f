import Concurrency
import ELF
import Foundation

/// A compile or link that failed: the rest of the build goes on.
public struct BuildFailure: Codable, Sendable, Hashable {
    public let configuration: BuildConfiguration
    public let mode: BuildMode
    public let file: String
    public let message: String

    /// `src/x.c (gcc kernel -O2, annotated): error text`.
    public var line: String { "\(file) (\(configuration), \(mode.rawValue)): \(message)" }

    public init(configuration: BuildConfiguration, mode: BuildMode, file: String, message: String) {
        self.configuration = configuration
        self.mode = mode
        self.file = file
        self.message = message
    }
}

/// A compile or link that succeeded but said something: one per diagnostic,
/// its first line (`src/x.c:12:1: warning: ...`), e.g. clang ignoring
/// `__attribute__((optimize("O0")))`.
public struct BuildWarning: Codable, Sendable, Hashable, Comparable {
    public let configuration: BuildConfiguration
    public let mode: BuildMode
    public let file: String
    public let firstLine: String

    /// `src/x.c (clang-14 kernel -O2, plain): src/x.c:9:16: warning: ...`.
    public var line: String { "\(file) (\(configuration), \(mode.rawValue)): \(firstLine)" }

    public init(configuration: BuildConfiguration, mode: BuildMode, file: String, firstLine: String) {
        self.configuration = configuration
        self.mode = mode
        self.file = file
        self.firstLine = firstLine
    }

    /// In JSON the configuration is named as reports name it: `config`
    /// is `gcc kernel -O2`.
    enum CodingKeys: String, CodingKey {
        case config, mode, file
        case firstLine = "first_line"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(configuration.description, forKey: .config)
        try c.encode(mode, forKey: .mode)
        try c.encode(file, forKey: .file)
        try c.encode(firstLine, forKey: .firstLine)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let parts = try c.decode(String.self, forKey: .config).split(separator: " ").map(String.init)
        guard parts.count == 3 else {
            throw DecodingError.dataCorruptedError(forKey: .config, in: c, debugDescription: "want 'compiler variant opt'")
        }
        configuration = BuildConfiguration(compiler: parts[0], variant: parts[1], opt: parts[2])
        mode = try c.decode(BuildMode.self, forKey: .mode)
        file = try c.decode(String.self, forKey: .file)
        firstLine = try c.decode(String.self, forKey: .firstLine)
    }

    public static func < (a: BuildWarning, b: BuildWarning) -> Bool {
        (a.configuration, a.mode.rawValue, a.file, a.firstLine) < (b.configuration, b.mode.rawValue, b.file, b.firstLine)
    }

    /// How many warnings each configuration had, in configuration order.
    public static func counts(_ warnings: [BuildWarning]) -> [(configuration: BuildConfiguration, count: Int)] {
        Dictionary(grouping: warnings, by: \.configuration).map { ($0.key, $0.value.count) }.sorted { $0.0 < $1.0 }
    }

    /// `12 compiler warnings (clang-14 kernel -O0: 8, clang-14 kernel -O2: 4)`.
    public static func summary(_ warnings: [BuildWarning]) -> String {
        let per = counts(warnings).map { "\($0.configuration): \($0.count)" }.joined(separator: ", ")
        return "\(warnings.count) compiler warning\(warnings.count == 1 ? "" : "s") (\(per))"
    }
}

/// The objects and the linked image of one configuration in one mode.
public struct BuiltConfiguration: Sendable {
    public let configuration: BuildConfiguration
    public let mode: BuildMode
    /// Source (relative to the corpus) → object path, sorted by source.
    public let objects: [(source: String, path: String)]
    /// The image linked with `--emit-relocs`, nil when the link failed.
    public let image: String?
}

public struct CorpusBuild: Sendable {
    public let builds: [BuiltConfiguration]
    public let failures: [BuildFailure]
    /// What compiles and links that succeeded printed, sorted; served from
    /// the cache too (each output keeps its compiler's output next to it).
    public let warnings: [BuildWarning]
    /// Compiler and linker runs, and results served from the cache.
    public let ran: Int
    public let cached: Int

    public init(builds: [BuiltConfiguration], failures: [BuildFailure], warnings: [BuildWarning], ran: Int, cached: Int) {
        self.builds = builds
        self.failures = failures
        self.warnings = warnings
        self.ran = ran
        self.cached = cached
    }

    public func find(_ configuration: BuildConfiguration, _ mode: BuildMode) -> BuiltConfiguration? {
        builds.first { $0.configuration == configuration && $0.mode == mode }
    }
}

/// Builds every (configuration × source × mode) of a corpus into a cache
/// keyed by a hash of the source, every header, the flags and the compiler
/// version, in parallel on all cores; then links each configuration and
/// mode into one image with `--emit-relocs`. Outputs are written under a
/// temporary name and renamed, so an interrupted build never leaves a
/// half-written object that a later run would trust (see `CacheFiles`).
public struct CorpusBuilder: Sendable {
    public let corpus: Corpus
    public let cacheDirectory: String
    public var jobs = WorkerPool.cores

    public init(corpus: Corpus, cacheDirectory: String) {
        self.corpus = corpus
        self.cacheDirectory = cacheDirectory
    }

    /// Where builds go by default: `$PVSITES_CACHE/corpus`, else
    /// `$XDG_CACHE_HOME/pvsites/corpus`, else `~/.cache/pvsites/corpus`.
    public static var defaultCacheDirectory: String {
        let env = ProcessInfo.processInfo.environment
        if let c = env["PVSITES_CACHE"], !c.isEmpty { return c + "/corpus" }
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return base + "/pvsites/corpus"
    }

    private struct Job: Sendable {
        let configuration: BuildConfiguration
        let mode: BuildMode
        let source: String
        let output: String
        let argv: [String]
    }

    /// An output and what the compiler or linker printed making it.
    private enum JobResult: Sendable {
        case built(String, log: String), cached(String, log: String), failed(BuildFailure)
        /// Stopped by a signal (Subprocess): the build stops, nothing is kept.
        case interrupted(Int32)
    }

    /// Build `configurations` in every mode of the corpus (or the given
    /// ones). `progress` is called with (done, total) as jobs finish.
    public func build(_ configurations: [BuildConfiguration], modes: [BuildMode]? = nil,
                      links: Bool = true, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> CorpusBuild {
        let modes = (modes ?? corpus.modes).filter { $0 != .direct || corpus.config.trampolines != nil }
        let fm = FileManager.default
        try fm.createDirectory(atPath: cacheDirectory + "/obj", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: cacheDirectory + "/img", withIntermediateDirectories: true)
        for dir in ["/obj", "/img"] { CacheFiles.removeStaleTemporaries(in: cacheDirectory + dir) }
        let jobs = plannedJobs(configurations, modes: modes, links: links)
        // One job per output: the stubs object is shared by both modes.
        var seenOutputs = Set<String>()
        let unique = jobs.filter { seenOutputs.insert($0.output).inserted }
        let total = unique.count
        let counter = ProgressCounter()
        let uniqueResults = WorkerPool.map(unique, maxConcurrency: self.jobs) { job -> JobResult in
            defer { progress?(counter.next(), total) }
            if let log = CacheFiles.cachedLog(job.output) { return .cached(job.output, log: log) }
            let temp = job.output + ".tmp.\(getpid()).\(UInt32.random(in: 0 ... .max))"
            let r = Subprocess.run(job.argv + [temp])
            if r.interrupted != 0 { unlink(temp); return .interrupted(r.interrupted) }
            guard r.status == 0, CacheFiles.keep(temp, as: job.output, log: r.output) else {
                unlink(temp)
                return .failed(BuildFailure(configuration: job.configuration, mode: job.mode, file: job.source,
                                            message: Self.firstError(r.output)))
            }
            return .built(job.output, log: r.output)
        }
        var ran = 0, cached = 0
        var failures: [BuildFailure] = []
        var warnings: [BuildWarning] = []
        var byOutput: [String: JobResult] = [:]
        for (job, result) in zip(unique, uniqueResults) {
            byOutput[job.output] = result
            switch result {
            case .built(_, let log): ran += 1; warnings += Self.warnings(log, job.configuration, job.mode, job.source)
            case .cached(_, let log): cached += 1; warnings += Self.warnings(log, job.configuration, job.mode, job.source)
            case .failed(let f): failures.append(f)
            case .interrupted(let sig): throw Subprocess.Interrupted(signal: sig)
            }
        }
        var objects: [String: [(String, String)]] = [:]
        for job in jobs {
            let key = "\(job.configuration.slug)/\(job.mode.rawValue)"
            switch byOutput[job.output] {
            case .built(let p, _)?, .cached(let p, _)?: objects[key, default: []].append((job.source, p))
            default: break
            }
        }
        // Link each configuration and mode.
        var linkJobs: [(BuildConfiguration, BuildMode, [(String, String)])] = []
        for cfg in configurations {
            for mode in modes { linkJobs.append((cfg, mode, objects["\(cfg.slug)/\(mode.rawValue)"] ?? [])) }
        }
        let linked = WorkerPool.map(linkJobs.map { LinkInput(cfg: $0.0, mode: $0.1, objects: $0.2) },
                                 maxConcurrency: self.jobs) { input -> (String?, JobResult?) in
            guard links, !input.objects.isEmpty else { return (nil, nil) }
            return self.link(input)
        }
        var builds: [BuiltConfiguration] = []
        for (input, (image, result)) in zip(linkJobs, linked) {
            switch result {
            case .built(_, let log)?: ran += 1; warnings += Self.warnings(log, input.0, input.1, "(link)")
            case .cached(_, let log)?: cached += 1; warnings += Self.warnings(log, input.0, input.1, "(link)")
            case .failed(let f)?: failures.append(f)
            case .interrupted(let sig)?: throw Subprocess.Interrupted(signal: sig)
            case nil: break
            }
            let objs = input.2.filter { $0.0 != corpus.config.stubs && $0.0 != corpus.config.trampolines?.source }
                .sorted { $0.0 < $1.0 }
            builds.append(BuiltConfiguration(configuration: input.0, mode: input.1,
                                             objects: objs.map { (source: $0.0, path: $0.1) }, image: image))
        }
        return CorpusBuild(builds: builds, failures: failures.sorted { $0.line < $1.line }, warnings: warnings.sorted(),
                           ran: ran, cached: cached)
    }

    /// Every compile `build` runs (or serves from the cache) for
    /// `configurations` × `modes`, with its output path: the path is the
    /// cache key, so it says where the object is without building it.
    private func plannedJobs(_ configurations: [BuildConfiguration], modes: [BuildMode], links: Bool) -> [Job] {
        let headers = headerHash()
        var jobs: [Job] = []
        for cfg in configurations {
            guard let compiler = corpus.config.compilers.first(where: { $0.name == cfg.compiler }),
                  let version = Toolchain.version(of: compiler.command) else { continue }
            for mode in modes {
                var sources = corpus.sources
                if let stubs = corpus.config.stubs, links { sources.append(stubs) }
                // The trampolines go into the direct link only.
                if mode == .direct, let t = corpus.config.trampolines, links { sources.append(t.source) }
                for source in sources {
                    // Stubs define the table and natives: always the plain mode.
                    let isStubs = source == corpus.config.stubs
                    let isTrampolines = source == corpus.config.trampolines?.source
                    let flags = corpus.cflags(cfg, mode: isStubs ? .plain : mode, source: source)
                    var h = ContentHash()
                    h.add(headers)
                    h.add(version)
                    h.add(FileManager.default.contents(atPath: corpus.directory + "/" + source) ?? Data())
                    for f in flags { h.add(f) }
                    let base = (source as NSString).lastPathComponent.replacingOccurrences(of: ".", with: "_")
                    let role = isStubs ? "stubs" : isTrampolines ? "trampolines" : mode.rawValue
                    let out = "\(cacheDirectory)/obj/\(cfg.slug)-\(role)-\(base)-\(h.hex).o"
                    let argv = [compiler.command] + flags + ["-c", corpus.directory + "/" + source, "-o"]
                    jobs.append(Job(configuration: cfg, mode: mode, source: source, output: out, argv: argv))
                }
            }
        }
        return jobs
    }

    /// Where the link of `input` goes: keyed by its objects and flags.
    private func imagePath(_ input: LinkInput) -> String {
        var h = ContentHash()
        for (_, p) in input.objects.sorted(by: { $0.0 < $1.0 }) { h.add(p) }
        for f in corpus.linkFlags(input.cfg) { h.add(f) }
        return "\(cacheDirectory)/img/\(input.cfg.slug)-\(input.mode.rawValue)-\(h.hex).elf"
    }

    /// Where each configuration's builds are in the cache, without
    /// building: the objects already there (stubs and trampolines left
    /// out, as in `build`) and the image once it is linked (nil before).
    public func locate(_ configurations: [BuildConfiguration], modes: [BuildMode]? = nil) -> [BuiltConfiguration] {
        let modes = (modes ?? corpus.modes).filter { $0 != .direct || corpus.config.trampolines != nil }
        let jobs = plannedJobs(configurations, modes: modes, links: true)
        var out: [BuiltConfiguration] = []
        for cfg in configurations {
            for mode in modes {
                let mine = jobs.filter { $0.configuration == cfg && $0.mode == mode }
                guard !mine.isEmpty else { continue }
                let built = mine.filter { CacheFiles.isComplete($0.output) }
                let image = built.count == mine.count
                    ? Optional(imagePath(LinkInput(cfg: cfg, mode: mode, objects: mine.map { ($0.source, $0.output) })))
                        .flatMap { CacheFiles.isComplete($0) ? $0 : nil }
                    : nil
                let objects = built.filter { $0.source != corpus.config.stubs && $0.source != corpus.config.trampolines?.source }
                    .map { (source: $0.source, path: $0.output) }.sorted { $0.source < $1.source }
                out.append(BuiltConfiguration(configuration: cfg, mode: mode, objects: objects, image: image))
            }
        }
        return out
    }

    private struct LinkInput: Sendable {
        let cfg: BuildConfiguration
        let mode: BuildMode
        let objects: [(String, String)]
    }

    private func link(_ input: LinkInput) -> (String?, JobResult?) {
        guard let compiler = corpus.config.compilers.first(where: { $0.name == input.cfg.compiler }) else { return (nil, nil) }
        let flags = corpus.linkFlags(input.cfg)
        let out = imagePath(input)
        if let log = CacheFiles.cachedLog(out) { return (out, .cached(out, log: log)) }
        let temp = out + ".tmp.\(getpid()).\(UInt32.random(in: 0 ... .max))"
        let argv = [compiler.command] + input.objects.map(\.1) + flags + ["-o", temp]
        let r = Subprocess.run(argv)
        if r.interrupted != 0 { unlink(temp); return (nil, .interrupted(r.interrupted)) }
        guard r.status == 0, CacheFiles.keep(temp, as: out, log: r.output) else {
            unlink(temp)
            return (nil, .failed(BuildFailure(configuration: input.cfg, mode: input.mode, file: "(link)",
                                              message: Self.linkErrors(r.output))))
        }
        return (out, .built(out, log: r.output))
    }

    /// Every header of the include directories, hashed once per build.
    private func headerHash() -> String {
        var h = ContentHash()
        for dir in corpus.config.includeDirs {
            let path = corpus.directory + "/" + dir
            for f in ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() {
                h.add(f)
                h.add(FileManager.default.contents(atPath: path + "/" + f) ?? Data())
            }
        }
        return h.hex
    }

    /// The first line that says "error", else the first line.
    static func firstError(_ output: String) -> String {
        let lines = output.split(separator: "\n").map(String.init)
        return lines.first { $0.contains("error") } ?? lines.first ?? "failed with no output"
    }

    /// What the linker said went wrong, on one line: its error lines
    /// (undefined references, multiple definitions, ...) joined by "; ",
    /// at most `limit` of them, without the `in function 'f':` context
    /// lines, the warnings and the driver's closing `collect2: error: ld
    /// returned 1 exit status` (kept only when there is nothing else).
    static func linkErrors(_ output: String, limit: Int = 3) -> String {
        var lines: [String] = []
        for l in output.split(separator: "\n").map(String.init) {
            let t = l.trimmingCharacters(in: .whitespaces)
            if t.isEmpty || t.contains("ld returned") || t.hasSuffix("':") || t.hasSuffix("\u{2019}:") || t.contains("warning:") { continue }
            if !lines.contains(t) { lines.append(t) }
        }
        guard !lines.isEmpty else { return firstError(output) }
        let more = lines.count - limit
        return lines.prefix(limit).joined(separator: "; ") + (more > 0 ? "; and \(more) more" : "")
    }

    /// The diagnostics in what a successful compile or link printed: the
    /// lines that say `warning:` (else, if it printed anything, its first
    /// line); the context lines (`In function 'f':`, the quoted source,
    /// clang's `N warnings generated.`) are left out.
    static func warnings(_ log: String, _ configuration: BuildConfiguration, _ mode: BuildMode,
                         _ file: String) -> [BuildWarning] {
        let lines = log.split(separator: "\n").map(String.init).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        var found = lines.filter { $0.contains("warning:") }
        if found.isEmpty, let first = lines.first { found = [first] }
        return found.map { BuildWarning(configuration: configuration, mode: mode, file: file, firstLine: $0) }
    }
}

