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
        let version = Subprocess.run(["dpkg-deb", "-f", deb, "Version"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let tarball = "./usr/src/\(package).tar.xz"
        let dest = setup.pristine
        let tmp = dest + ".tmp"
        log("unpacking \(package) \(version) into \(dest)")
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let script = "dpkg-deb --fsys-tarfile \"$1\" | tar -xO \"$2\" | tar -xJ -C \"$3\""
        let r = Subprocess.run(["sh", "-c", script, "sh", deb, tarball, tmp])
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
        func failure(_ r: Subprocess.Result, _ patch: String) -> String? {
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
            return failure(Subprocess.run(["patch", "-p1", "--dry-run", "-f", "-s", "-i", patches[0]], in: tree), patches[0])
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
            if let f = failure(Subprocess.run(["patch", "-p1", "-f", "-s", "--no-backup-if-mismatch", "-i", patch], in: scratch), patch) {
                return f
            }
        }
        return nil
    }
}
