import CorpusBuild
import Foundation

/// Builds one configuration in one mode by running `Kernels/build.sh
/// --kernel <version>` (the patched hard-link copy, the
/// .config from the fragments, `make O=<build dir>`, incremental, one build
/// at a time under a lock): the build logic lives in that one script, which
/// also runs by hand. This drives it, counts Kbuild's `CC`/`AS` lines for
/// progress, and keeps make's other lines for a failure.
public struct KernelBuilder: Sendable {
    public let setup: KernelSetup
    public var jobs = 2

    public init(setup: KernelSetup) { self.setup = setup }

    /// Progress of one build: objects compiled so far, the expected total
    /// when a tree of the same configuration shows it, elapsed seconds.
    public struct Progress: Sendable {
        public let config: KernelConfig
        public let mode: BuildMode
        public let step: String
        public let compiled: Int
        public let total: Int?
        public let seconds: Double
    }

    /// The compiler and the rest of its toolchain (`KernelToolchain`).
    public static func isInstalled(_ compiler: String) -> Bool { KernelToolchain(compiler).isInstalled }

    /// The build.sh command line for `config` in `mode`.
    public func arguments(_ config: KernelConfig, _ mode: BuildMode) -> [String] {
        var argv = ["bash", setup.buildScript, "--kernel", setup.kernel.name, "--kernels", setup.files,
                    "--cache", setup.cache, "-j", String(jobs), "--cc", config.compiler, "--progress"]
        if let source = setup.source, let tag = setup.tag { argv += ["--source", source, "--tag", tag] }
        if setup.full { argv.append("--full") }
        argv += [mode.rawValue, String(config.opt.dropFirst()), config.retpolineName]
        return argv + setup.subset
    }

    /// Runs build.sh; returns the wall seconds it took. Throws
    /// `KernelError.buildFailed` with build.sh's error line or the
    /// compiler's lines and the .config's path.
    @discardableResult
    public func build(_ config: KernelConfig, _ mode: BuildMode,
                      progress: (@Sendable (Progress) -> Void)? = nil) throws -> Double {
        guard Self.isInstalled(config.compiler) else { throw KernelError.compilerMissing(config.compiler) }
        let dir = setup.buildDirectory(config, mode)
        let total = expectedObjects(config, mode)
        let start = Date()
        var compiled = 0
        var step = "preparing"
        var kept: [String] = []
        var errorLine: String?
        let r = Subprocess.run(arguments(config, mode)) { line in
            if let object = Self.compiledObject(line) {
                if setup.subset.contains(where: { object.hasPrefix($0) }) { compiled += 1 }
            } else if line.hasPrefix("build.sh: ") {
                let text = line.dropFirst("build.sh: ".count)
                if text.hasPrefix("error: ") { errorLine = String(text.dropFirst("error: ".count)) }
                if text.hasSuffix(" ...") { step = String(text.dropLast(4)) }
            } else if !line.hasPrefix("make[") && !line.hasPrefix("make: Entering") && !line.hasPrefix("make: Leaving")
                        && !Self.isKbuildQuiet(line) {
                kept.append(line)
                if kept.count > 400 { kept.removeFirst(kept.count - 300) }
            }
            progress?(Progress(config: config, mode: mode, step: step, compiled: compiled, total: total,
                               seconds: Date().timeIntervalSince(start)))
        }
        if r.interrupted != 0 { throw KernelError.interrupted(r.interrupted) }
        if r.status != 0 {
            let message = errorLine ?? "make failed (exit \(r.status)); the compiler said:"
            throw KernelError.buildFailed(config: config, mode: mode, message: message,
                                          lines: errorLine == nil ? Self.compilerLines(kept) : [],
                                          dotConfig: dir + "/.config")
        }
        return Date().timeIntervalSince(start)
    }

    /// The boot proof's second link (build.sh --records): `records` (a
    /// `.S` of `.parainstructions` records) linked into a copy of the built
    /// whole-kernel tree of `mode`; returns the copy's directory.
    public func linkRecords(_ config: KernelConfig, _ mode: BuildMode, records: String) throws -> String {
        var argv = arguments(config, mode)
        let modeAt = argv.firstIndex(of: mode.rawValue) ?? argv.endIndex
        argv.insert(contentsOf: (setup.full ? [] : ["--full"]) + ["--records", records], at: modeAt)
        var errorLine: String?
        var last = ""
        var kept: [String] = []
        let r = Subprocess.run(argv) { line in
            if line.hasPrefix("build.sh: error: ") { errorLine = String(line.dropFirst("build.sh: error: ".count)) }
            if !line.isEmpty { last = line }
            if !Self.isKbuildQuiet(line) && !line.hasPrefix("make") { kept.append(line) }
        }
        if r.interrupted != 0 { throw KernelError.interrupted(r.interrupted) }
        guard r.status == 0, FileManager.default.fileExists(atPath: last + "/vmlinux") else {
            throw KernelError.buildFailed(config: config, mode: mode,
                                          message: errorLine ?? "linking \(records) failed (exit \(r.status)):",
                                          lines: errorLine == nil ? Self.compilerLines(kept) : [],
                                          dotConfig: setup.buildDirectory(config, mode) + "/.config")
        }
        return last
    }

    /// `  CC      arch/x86/mm/init.o` → `arch/x86/mm/init.o`.
    static func compiledObject(_ line: String) -> String? {
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        guard line.hasPrefix("  "), f.count >= 2, f[0] == "CC" || f[0] == "AS",
              let last = f.last, last.hasSuffix(".o") else { return nil }
        return String(last)
    }

    /// Kbuild's other short lines (`  LD`, `  AR`, `  GEN`, `  SYNC`, ...):
    /// two spaces, a tag that starts with a capital letter, a path. Not
    /// gcc's source excerpt (`  202 | int after_bootmem`).
    static func isKbuildQuiet(_ line: String) -> Bool {
        let fields = line.split(separator: " ")
        guard line.hasPrefix("  "), !line.hasPrefix("   "), fields.count >= 2, let first = fields.first,
              let head = first.first, head.isUppercase, head.isASCII else { return false }
        return first.allSatisfy { ($0.isUppercase && $0.isASCII) || $0.isNumber || $0 == "_" || $0 == "-" } && first.count <= 10
    }

    /// The lines around the first error, as the compiler printed them.
    static func compilerLines(_ lines: [String]) -> [String] {
        guard let first = lines.firstIndex(where: { $0.contains("error:") || $0.contains("Error ") }) else {
            return Array(lines.suffix(40))
        }
        return Array(lines[max(0, first - 5) ..< min(lines.count, first + 40)])
    }

    /// Objects of the subset in this tree or the other mode's (a rebuild
    /// compiles at most that many); on a first build, in another
    /// configuration's tree of the same source (the count differs by a few
    /// objects between configurations at most); nil when no tree has any yet.
    func expectedObjects(_ config: KernelConfig, _ mode: BuildMode) -> Int? {
        var best = 0
        for m in BuildMode.allCases {
            let dir = setup.buildDirectory(config, m)
            best = max(best, KernelPairs.objects(in: dir, subset: setup.subset).count)
        }
        if best == 0 {
            let build = setup.cache + "/build"
            let prefix = (setup.tag ?? config.kernel.name) + "-"
            for name in ((try? FileManager.default.contentsOfDirectory(atPath: build)) ?? []).sorted()
            where name.hasPrefix(prefix) {
                best = max(best, KernelPairs.objects(in: build + "/" + name, subset: setup.subset).count)
            }
        }
        return best > 0 ? best : nil
    }
}
