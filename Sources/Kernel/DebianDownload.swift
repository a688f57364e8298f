import CorpusBuild
import Foundation

/// A Debian package's `.deb` in `<cache>/debs/`, fetched once with
/// `apt-get download`: the kernel source and the Xen hypervisor both come
/// this way (never installed).
enum DebianDownload {
    /// The newest `<package>_*.deb` already in `<cache>/debs/`, if any.
    static func cached(_ package: String, cache: String) -> String? {
        let debs = cache + "/debs"
        return ((try? FileManager.default.contentsOfDirectory(atPath: debs)) ?? [])
            .filter { $0.hasPrefix(package + "_") && $0.hasSuffix(".deb") }.sorted().last.map { debs + "/" + $0 }
    }

    /// The cached `.deb`, downloaded first when there is none; a failure
    /// says the command to run.
    static func fetch(_ package: String, cache: String, log: (String) -> Void) throws -> String {
        if let deb = cached(package, cache: cache) { return deb }
        let debs = cache + "/debs"
        try? FileManager.default.createDirectory(atPath: debs, withIntermediateDirectories: true)
        log("downloading \(package) into \(debs)")
        let r = Subprocess.run(["apt-get", "download", package], in: debs)
        if r.interrupted != 0 { throw KernelError.interrupted(r.interrupted) }
        guard r.status == 0, let deb = cached(package, cache: cache) else {
            throw KernelError.fetchFailed(package: package, command: "(cd \(debs) && apt-get download \(package))"
                                          + " (after sudo apt-get update if the package is unknown)", output: r.output)
        }
        return deb
    }
}
