import Foundation

/// A directory laid out like `Corpus/`: `configs.json`, headers, C and asm
/// sources, stubs for the link. Reads the configuration and lists the
/// matrix; building is `CorpusBuilder`'s.
public struct Corpus: Sendable {
    public let directory: String
    public let config: CorpusConfig
    /// Sources relative to `directory`, sorted.
    public let sources: [String]
    /// The modes configs.json lists, in `BuildMode` order: annotated and
    /// plain always, direct when the corpus has trampolines.
    public let modes: [BuildMode]

    /// The unannotated forms built: plain, and direct when listed.
    public var forms: [Form] { Form.allCases.filter { modes.contains($0.mode) } }

    public enum LoadError: Error, CustomStringConvertible {
        case missing(String)
        case badConfig(String, String)
        case noSources(String)

        public var description: String {
            switch self {
            case .missing(let p): return "\(p): no such corpus (want a directory with configs.json)"
            case .badConfig(let p, let why): return "\(p): \(why)"
            case .noSources(let p): return "\(p): the source patterns match no file"
            }
        }
    }

    public init(directory: String) throws {
        self.directory = directory
        let path = directory + "/configs.json"
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError.missing(directory) }
        do {
            config = try JSONDecoder().decode(CorpusConfig.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw LoadError.badConfig(path, "missing key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw LoadError.badConfig(path, "wrong type at \(ctx.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw LoadError.badConfig(path, "not valid JSON")
        }
        guard config.schema == 1 else { throw LoadError.badConfig(path, "schema \(config.schema), this pvsites reads 1") }
        var modes: [BuildMode] = []
        for m in config.modes {
            guard let mode = BuildMode(rawValue: m) else {
                throw LoadError.badConfig(path, "unknown mode '\(m)' (want \(BuildMode.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if !modes.contains(mode) { modes.append(mode) }
        }
        guard modes.contains(.annotated), modes.contains(.plain) else {
            throw LoadError.badConfig(path, "modes must list annotated and plain")
        }
        if modes.contains(.direct) {
            guard config.trampolines != nil else { throw LoadError.badConfig(path, "modes lists direct, but trampolines is missing") }
            if let v = config.variants.first(where: { $0.directCflags == nil }) {
                throw LoadError.badConfig(path, "modes lists direct, but variant '\(v.name)' has no direct_cflags")
            }
        }
        self.modes = BuildMode.allCases.filter(modes.contains)
        var found: [String] = []
        for pattern in config.sources { found += Self.glob(directory, pattern) }
        guard !found.isEmpty else { throw LoadError.noSources(directory) }
        sources = found.sorted()
    }

    /// `dir/*.ext` patterns, relative to the corpus.
    static func glob(_ base: String, _ pattern: String) -> [String] {
        let dir = (pattern as NSString).deletingLastPathComponent
        let name = (pattern as NSString).lastPathComponent
        let files = (try? FileManager.default.contentsOfDirectory(atPath: base + "/" + dir)) ?? []
        let parts = name.split(separator: "*", omittingEmptySubsequences: false)
        return files.filter { f in
            parts.count == 2 ? f.hasPrefix(parts[0]) && f.hasSuffix(parts[1]) && f.count >= parts[0].count + parts[1].count
                : f == name
        }.map { dir.isEmpty ? $0 : dir + "/" + $0 }
    }

    /// Compilers of the matrix that are installed; the others with a note.
    public func availableCompilers() -> (available: [CorpusConfig.Compiler], skipped: [(String, String)]) {
        var available: [CorpusConfig.Compiler] = [], skipped: [(String, String)] = []
        for c in config.compilers {
            if Toolchain.version(of: c.command) != nil {
                available.append(c)
            } else {
                skipped.append((c.name, "\(c.command) is not installed"))
            }
        }
        return (available, skipped)
    }

    /// Every configuration of the installed compilers (or only `compilers`).
    public func configurations(compilers only: [String]? = nil, variants: [String]? = nil,
                               opts: [String]? = nil) -> [BuildConfiguration] {
        var out: [BuildConfiguration] = []
        for c in availableCompilers().available where only?.contains(c.name) ?? (c.isDefault == true || only == nil) {
            for v in config.variants where variants?.contains(v.name) ?? true {
                for o in config.opts where opts?.contains(o) ?? true {
                    out.append(BuildConfiguration(compiler: c.name, variant: v.name, opt: o))
                }
            }
        }
        // In the order configs.json declares them: reports read top-down.
        return out
    }

    /// The compiler flags of one source in one configuration and mode.
    public func cflags(_ cfg: BuildConfiguration, mode: BuildMode, source: String) -> [String] {
        guard let compiler = config.compilers.first(where: { $0.name == cfg.compiler }),
              let variant = config.variants.first(where: { $0.name == cfg.variant }) else { return [] }
        let family = compiler.family ?? "gcc"
        var flags = [cfg.opt] + config.commonCflags + (config.familyCflags?[family] ?? [])
        flags += variant.cflags + (variant.familyCflags?[family] ?? [])
        switch mode {
        case .annotated: flags += variant.annotatedCflags
        case .plain: flags += variant.plainCflags
        case .direct: flags += variant.directCflags ?? []
        }
        flags += config.includeDirs.map { "-I" + directory + "/" + $0 }
        flags += perFileCflags(source)
        return flags
    }

    public func linkFlags(_ cfg: BuildConfiguration) -> [String] {
        let variant = config.variants.first { $0.name == cfg.variant }
        return config.commonLinkFlags + (variant?.linkFlags ?? [])
    }

    /// Extra flags a source asks for in its header comment
    /// (`pvsites-cflags: -ffunction-sections`).
    public func perFileCflags(_ source: String) -> [String] {
        guard let marker = config.perFileCflagsMarker,
              let text = try? String(contentsOfFile: directory + "/" + source, encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n").prefix(40) {
            if let r = line.range(of: marker) {
                return line[r.upperBound...].split(separator: " ").map(String.init).filter { $0.hasPrefix("-") }
            }
        }
        return []
    }
}
