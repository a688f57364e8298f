import Foundation
import Testing

/// Builds test fixtures with gcc during the test run, into a cache keyed by
/// a hash of source, flags and compiler version, so that a second run does
/// not compile again. No binaries are committed.
public enum Fixtures {
    /// The repository root (Tests/TestSupport/ is two levels down).
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0 ..< 3 { url.deleteLastPathComponent() }
        return url.path
    }()

    public static let corpusDirectory = repositoryRoot + "/Corpus"

    /// The one way tests find the built `pvsites`: next to the test
    /// executable (`swift test` builds every product of the package into
    /// the same directory: `.build/debug/pvsitesPackageTests.xctest` on
    /// Linux, inside its `Contents/MacOS/` on macOS), else
    /// `.build/debug/pvsites`. Check `pvsitesIsBuilt` before running it.
    public static let pvsitesBinary: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
        var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        for _ in 0 ..< 4 {
            let candidate = dir.appendingPathComponent("pvsites").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return repositoryRoot + "/.build/debug/pvsites"
    }()

    /// Whether `pvsitesBinary` is there, for `.enabled(if:)`.
    public static let pvsitesIsBuilt = FileManager.default.isExecutableFile(atPath: pvsitesBinary)

    /// The reason beside `.enabled(if: Fixtures.pvsitesIsBuilt, ...)`.
    public static let pvsitesMissing: Comment = "pvsites is not built (swift build --product pvsites)"

    /// `.build/pvsites-fixtures`, created on first use.
    public static let cacheDirectory: String = {
        let dir = repositoryRoot + "/.build/pvsites-fixtures"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }()

    private static let compilerVersion: String = {
        (try? Command.check(["gcc", "--version"]))?.split(separator: "\n").first.map(String.init) ?? "gcc"
    }()

    /// FNV-1a, enough to key a cache.
    public static func hash(_ parts: [String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for p in parts {
            for b in p.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 0xff) &* 0x100_0000_01b3
        }
        return String(h, radix: 16)
    }

    /// Compile C (or, with `language: "assembler-with-cpp"`, asm) source text
    /// to an object with gcc and the given flags; returns the object's path.
    /// `link` adds a link step: the flags after it produce an executable.
    public static func compile(_ source: String, name: String, flags: [String] = ["-O2", "-g"],
                               language: String = "c", link: [String]? = nil) throws -> String {
        let key = hash([source, language, compilerVersion] + flags + (link ?? ["-c"]))
        let base = "\(cacheDirectory)/\(name)-\(key)"
        let output = base + (link == nil ? ".o" : ".elf")
        if FileManager.default.fileExists(atPath: output) { return output }
        // Tests run in parallel and may ask for the same fixture at once:
        // one compiles it under a lock, the others wait and reuse it. (The
        // source's name ends up in the object, so two compiles would differ.)
        let lock = open(base + ".lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard lock >= 0 else { throw FixtureError.commandFailed("open \(base).lock", String(cString: strerror(errno))) }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 && errno == EINTR {}
        if FileManager.default.fileExists(atPath: output) { return output }
        let src = base + (language == "c" ? ".c" : ".S")
        try source.write(toFile: src, atomically: true, encoding: .utf8)
        let temp = output + ".tmp\(getpid())-\(UInt32.random(in: 0 ... .max))"
        var argv = ["gcc", "-I", corpusDirectory + "/include"] + flags
        if let link { argv += [src, "-o", temp] + link } else { argv += ["-c", src, "-o", temp] }
        try Command.check(argv)
        // Atomic: a half-written object is never trusted by a later run.
        guard rename(temp, output) == 0 else { throw FixtureError.commandFailed("rename \(temp)", String(cString: strerror(errno))) }
        return output
    }

    /// A temporary file path in the fixture cache, unique to this process.
    public static func scratchPath(_ name: String) -> String {
        "\(cacheDirectory)/scratch-\(getpid())-\(name)"
    }
}
