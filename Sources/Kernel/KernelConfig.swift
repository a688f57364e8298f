import CorpusBuild
import Pipeline
import Foundation

/// One cell of the kernel matrix: version × compiler × opt × retpolines.
public struct KernelConfig: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let kernel: KernelVersion
    /// The compiler command (`gcc`, `gcc-11`, `clang-14`).
    public let compiler: String
    /// `-O2` (CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE) or `-Os` (…_FOR_SIZE).
    public let opt: String
    public let retpoline: Bool

    public static let opts = ["-O2", "-Os"]

    public init(kernel: KernelVersion, compiler: String, opt: String, retpoline: Bool) {
        self.kernel = kernel
        self.compiler = compiler
        self.opt = opt
        self.retpoline = retpoline
    }

    /// `O2`, `-O2` and `--opt=-O2`'s value all name the same level.
    public static func opt(_ text: String) -> String? {
        let t = text.hasPrefix("-") ? text : "-" + text
        return opts.contains(t) ? t : nil
    }

    /// As the study's rows say it.
    public var retpolines: Retpoline { Retpoline(retpoline) }

    /// `on` or `off`, as build.sh and the build directories say it.
    public var retpolineName: String { retpolines.rawValue }

    /// How reports and the gate name it: the corpus study's (compiler,
    /// variant, opt), with the kernel and retpolines in the variant.
    public var buildConfiguration: BuildConfiguration {
        BuildConfiguration(compiler: compiler, variant: ConfigID.linuxVariant(kernel: kernel.name, retpoline: retpolines), opt: opt)
    }

    /// The build directory of `mode` under `<cache>/build/`, as build.sh
    /// names it: `6.1-gcc-O2-retpoline-on-annotated` (a user's tree: its
    /// tag instead of `6.1`).
    public func buildDirectoryName(_ mode: BuildMode, tag: String? = nil) -> String {
        "\(tag ?? kernel.name)-\(compiler)-\(opt.dropFirst())-retpoline-\(retpolineName)-\(mode.rawValue)"
    }

    public var description: String { "\(kernel.name) \(compiler) \(opt) retpoline \(retpolineName)" }

    public static func < (a: KernelConfig, b: KernelConfig) -> Bool {
        (a.kernel.name, a.compiler, a.opt, a.retpoline ? 0 : 1) < (b.kernel.name, b.compiler, b.opt, b.retpoline ? 0 : 1)
    }

    /// The default matrix: -O2 and -Os, retpolines on and off.
    public static func matrix(kernel: KernelVersion, compilers: [String], opts: [String], retpolines: [Bool]) -> [KernelConfig] {
        var list: [KernelConfig] = []
        for c in compilers { for o in opts { for r in retpolines {
            list.append(KernelConfig(kernel: kernel, compiler: c, opt: o, retpoline: r))
        } } }
        return list
    }
}

/// Everything the A/B needs besides the configuration: the repository's
/// kernel files, the cache, whose tree, and what to build.
public struct KernelSetup: Sendable {
    public let kernel: KernelVersion
    /// The repository's `Kernels/` directory.
    public let files: String
    /// `~/.cache/pvsites/kernels` by default.
    public let cache: String
    /// A tree the user already has; nil: Debian's linux-source package.
    public let source: String?
    public let subset: [String]
    /// Also build and link vmlinux, and compare the two images.
    public let full: Bool

    public init(kernel: KernelVersion, files: String, cache: String, source: String?, subset: [String], full: Bool) {
        self.kernel = kernel
        self.files = files
        self.cache = cache
        self.source = source.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
        self.subset = subset.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        self.full = full
    }

    /// `$PVSITES_CACHE/kernels`, else `$XDG_CACHE_HOME/pvsites/kernels`,
    /// else `~/.cache/pvsites/kernels` (the cache build.sh and
    /// scripts/fetch-kernels.sh use).
    public static var defaultCache: String {
        let env = ProcessInfo.processInfo.environment
        if let c = env["PVSITES_CACHE"], !c.isEmpty { return c + "/kernels" }
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return base + "/pvsites/kernels"
    }

    /// Where `pvsites kernel study` leaves its last result (JSON) for the
    /// corpus study, which leads its report with it: one per version, of
    /// Debian's source only (a user's own tree is their experiment).
    public static func resultsFile(cache: String, kernel: String) -> String {
        "\(cache)/results/study-\(kernel).json"
    }

    /// The directory of this version's descriptor, patches and fragments.
    public var versionFiles: String { "\(files)/\(kernel.directoryName)" }
    /// The one build script of every version (`--kernel <version>`).
    public var buildScript: String { files + "/build.sh" }
    /// The plain mode's own patch, its last (6.1: plain-mode.patch).
    public var patch: String { patches(.plain).last ?? versionFiles + "/plain-mode.patch" }
    /// The patches build.sh applies for `mode`, in order (the descriptor's
    /// `patches-<mode>`).
    public func patches(_ mode: BuildMode) -> [String] { (kernel.patchNames[mode] ?? []).map { versionFiles + "/" + $0 } }

    /// The pristine tree: the user's, or the cache's unpacked package.
    public var pristine: String { source ?? "\(cache)/src/\(kernel.directoryName)" }

    /// A user's tree gets build directories of its own, named after the
    /// tree and a hash of its path: `src-mytree-1a2b3c4d`.
    public var tag: String? {
        guard let source else { return nil }
        var h: UInt32 = 2166136261
        for b in source.utf8 { h = (h ^ UInt32(b)) &* 16777619 }
        let base = URL(fileURLWithPath: source).lastPathComponent.filter { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" }
        return "src-\(base)-" + String(h, radix: 16)
    }

    public func buildDirectory(_ config: KernelConfig, _ mode: BuildMode) -> String {
        "\(cache)/build/\(config.buildDirectoryName(mode, tag: tag))"
    }

    /// Built: no build.sh run is under way or was interrupted there
    /// (`pvsites.incomplete`), every subset directory has its `built-in.a`
    /// (Kbuild writes it after all the directory's objects and deletes it on
    /// error), vmlinux exists with --full, and the tree was built with the
    /// current patches of its mode (`pvsites.info`'s patch-sha256, which
    /// `KernelStatus.patchSHA(_:mode:)` gives).
    public func isBuilt(_ config: KernelConfig, _ mode: BuildMode, patchSHA: String?) -> Bool {
        let dir = buildDirectory(config, mode)
        let fm = FileManager.default
        guard fm.fileExists(atPath: dir + "/.config"), !fm.fileExists(atPath: dir + "/pvsites.incomplete"),
              let info = try? String(contentsOfFile: dir + "/pvsites.info", encoding: .utf8) else { return false }
        if let patchSHA, !info.split(separator: "\n").contains(Substring("patch-sha256 \(patchSHA)")) { return false }
        if full && !fm.fileExists(atPath: dir + "/vmlinux") { return false }
        return subset.allSatisfy { fm.fileExists(atPath: dir + "/" + $0 + "built-in.a") }
    }
}
