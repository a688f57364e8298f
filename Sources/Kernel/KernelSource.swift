import CorpusBuild
import Foundation

/// The pristine source: Debian's `linux-source-<version>`, downloaded with
/// `apt-get download` into `<cache>/debs/` and unpacked once into
/// `<cache>/src/linux-<version>/` (through a temporary directory and a
/// rename, so an interrupted unpack is never trusted). build.sh only reads
/// it; the patch is applied in a hard-link copy.
public enum KernelSource {
    /// The version line of an unpacked package: `linux-source-6.1 6.1.192-3`.
    public static func versionFile(_ setup: KernelSetup) -> String { "\(setup.cache)/src/\(setup.kernel.directoryName).VERSION" }

    public static func isCached(_ setup: KernelSetup) -> Bool {
        FileManager.default.fileExists(atPath: setup.pristine + "/Makefile")
    }

    /// `Linux 6.1.192` from a tree's Makefile, nil when it is not a tree.
    public static func treeVersion(_ dir: String) -> String? {
        guard let text = try? String(contentsOfFile: dir + "/Makefile", encoding: .utf8) else { return nil }
        var v: [String: String] = [:]
        for line in text.split(separator: "\n").prefix(20) {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, ["VERSION", "PATCHLEVEL", "SUBLEVEL"].contains(parts[0]) { v[parts[0]] = parts[1] }
        }
        guard let major = v["VERSION"], let minor = v["PATCHLEVEL"] else { return nil }
        return "Linux \(major).\(minor)" + (v["SUBLEVEL"].map { ".\($0)" } ?? "")
    }

    /// Makes sure the pristine tree exists: the user's (checked, never
    /// written), or the cache's (downloaded and unpacked when missing).
    /// `log` gets one line per step.
    public static func ensure(_ setup: KernelSetup, log: (String) -> Void) throws {
        if let source = setup.source {
            guard treeVersion(source) != nil else { throw KernelError.notATree(source) }
            return
        }
        if isCached(setup) { return }
        let fm = FileManager.default
        let package = setup.kernel.package
        let deb = try DebianDownload.fetch(package, cache: setup.cache, log: log)
        let version = Shell.run(["dpkg-deb", "-f", deb, "Version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let tarball = "./usr/src/\(package).tar.xz"
        let dest = setup.pristine
        let tmp = dest + ".tmp"
        log("unpacking \(package) \(version) into \(dest)")
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let script = "dpkg-deb --fsys-tarfile \"$1\" | tar -xO \"$2\" | tar -xJ -C \"$3\""
        let r = Shell.run(["sh", "-c", script, "sh", deb, tarball, tmp])
        if r.interrupted != 0 { throw KernelError.interrupted(r.interrupted) }
        guard r.status == 0, let top = try? fm.contentsOfDirectory(atPath: tmp), top.count == 1,
              fm.fileExists(atPath: "\(tmp)/\(top[0])/Makefile") else {
            throw KernelError.extractFailed("could not unpack \(tarball) from \(deb): \(r.output.split(separator: "\n").last ?? "")")
        }
        try fm.moveItem(atPath: "\(tmp)/\(top[0])", toPath: dest)
        try? fm.removeItem(atPath: tmp)
        try "\(package) \(version)\n".write(toFile: versionFile(setup), atomically: true, encoding: .utf8)
    }

    /// The source's version for reports: `linux-source-6.1 6.1.192-3`, or
    /// the user's tree's `Linux 6.1.x (DIR)`.
    public static func describe(_ setup: KernelSetup) -> String {
        if let source = setup.source { return "\(treeVersion(source) ?? "?") (\(source))" }
        return (try? String(contentsOfFile: versionFile(setup), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? (treeVersion(setup.pristine) ?? "?")
    }

    /// Whether `mode`'s patches apply to a tree, one after the other; nil
    /// when they do, else the lines that say which patch, file and hunk
    /// failed. The tree is never written: one patch is a `patch --dry-run`
    /// on it; several (direct: plain, then direct) are applied to a scratch
    /// copy of the files they touch.
    public static func patchFailure(_ setup: KernelSetup, tree: String, mode: BuildMode = .plain) -> String? {
        let patches = setup.patches(mode)
        func failure(_ r: Shell.Result, _ patch: String) -> String? {
            if r.status == 0 { return nil }
            // patch -f names a missing file only in the diff header it quotes (`|+++ b/...`).
            let lines = r.output.split(separator: "\n").map { $0.hasPrefix("|+++ ") ? $0.dropFirst() : $0 }.filter {
                $0.contains("FAILED") || $0.contains("patching file") || $0.contains("checking file") || $0.contains("can't find file")
                    || $0.contains("No file to patch") || $0.hasPrefix("+++ ")
            }
            let name = (patch as NSString).lastPathComponent
            return name + ": " + (lines.isEmpty ? r.output.split(separator: "\n").suffix(3) : lines[...]).joined(separator: "; ")
        }
        if patches.count == 1 {
            return failure(Shell.run(["patch", "-p1", "--dry-run", "-f", "-s", "-i", patches[0]], in: tree), patches[0])
        }
        let fm = FileManager.default
        let scratch = fm.temporaryDirectory.appendingPathComponent("pvsites-patch-\(getpid())-\(UInt32.random(in: 0 ... .max))").path
        defer { try? fm.removeItem(atPath: scratch) }
        for patch in patches {
            let text = (try? String(contentsOfFile: patch, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.hasPrefix("+++ b/") {
                let rel = String(line.dropFirst(6).prefix { !$0.isWhitespace })
                let dest = scratch + "/" + rel
                guard fm.fileExists(atPath: tree + "/" + rel), !fm.fileExists(atPath: dest) else { continue }
                try? fm.createDirectory(atPath: (dest as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try? fm.copyItem(atPath: tree + "/" + rel, toPath: dest)
            }
        }
        for patch in patches {
            if let f = failure(Shell.run(["patch", "-p1", "-f", "-s", "--no-backup-if-mismatch", "-i", patch], in: scratch), patch) {
                return f
            }
        }
        return nil
    }
}

/// The child `Shell.run` waits for, and the signal that interrupted it.
/// Globals because a signal handler cannot capture context; written only
/// by one `Shell.run` at a time (builds run one after the other).
nonisolated(unsafe) private var shellChild: pid_t = 0
nonisolated(unsafe) private var shellSignal: Int32 = 0

/// Subprocesses: output merged, optionally streamed line by line.
enum Shell {
    struct Result {
        let status: Int32
        let output: String
        /// SIGINT, SIGTERM or SIGHUP that reached pvsites while the child
        /// ran (and was passed on to the child's process group); 0 if none.
        var interrupted: Int32 = 0
    }

    /// Foundation starts a child in a process group of its own, so a Ctrl-C
    /// (SIGINT to the terminal's foreground group) or a `kill` of pvsites
    /// would not reach build.sh, make or gcc: they would go on compiling
    /// until their next write to the closed pipe. While a child runs, these
    /// signals stop its group (Kbuild then deletes the objects it was
    /// writing), and `run` returns once the child has exited.
    static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    static func run(_ argv: [String], in directory: String? = nil, environment: [String: String]? = nil,
                    line: ((String) -> Void)? = nil) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        shellSignal = 0
        // Passed on as SIGTERM: bash ignores SIGINT in what it runs with `&`
        // and a process started with SIGINT ignored cannot trap it, while
        // make, gcc and bash all stop on SIGTERM (make deleting the object
        // it was writing). Unblocked here: a parent's thread may have
        // blocked them (a test runner's do), and children inherit the mask.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        for sig in forwarded { sigaddset(&unblock, sig) }
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        let previous = forwarded.map { sig in
            signal(sig) { received in
                shellSignal = received
                if shellChild > 0 { kill(-shellChild, SIGTERM) }
            }
        }
        defer {
            shellChild = 0
            for (sig, handler) in zip(forwarded, previous) { signal(sig, handler) }
        }
        do { try process.run() } catch { return Result(status: 127, output: "\(argv[0]): \(error)") }
        shellChild = process.processIdentifier
        if shellSignal != 0 { kill(-shellChild, SIGTERM) }
        var data = Data()
        var pending = Data()
        let fd = pipe.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n > 0 {
                data.append(contentsOf: buffer[0 ..< n])
                if let line {
                    pending.append(contentsOf: buffer[0 ..< n])
                    while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        line(String(decoding: pending[pending.startIndex ..< nl], as: UTF8.self))
                        pending.removeSubrange(pending.startIndex ... nl)
                    }
                }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            break
        }
        if let line, !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
                      interrupted: shellSignal)
    }
}
