import Foundation

/// A kernel version the A/B knows: where its files are in the repository
/// (`Kernels/linux-<name>/`: the plain-mode patch, the config fragments,
/// build.sh) and which Debian package carries its source.
public struct KernelVersion: Sendable, Hashable, CustomStringConvertible {
    /// `6.1`.
    public let name: String
    /// `linux-source-6.1`: `apt-get download` fetches it by this name.
    public let package: String
    /// The versions this tool has a plain-mode patch for.
    public static let known = [KernelVersion(name: "6.1", package: "linux-source-6.1")]

    /// The directories `--subset` builds by default: the paravirt-heavy
    /// part of arch/x86 and the core mm and scheduler code.
    public static let defaultSubset = ["arch/x86/kernel/", "arch/x86/mm/", "arch/x86/xen/", "mm/", "kernel/sched/"]

    public static func named(_ name: String) -> KernelVersion? { known.first { $0.name == name } }

    /// `linux-6.1`: the directory under Kernels/ and under `<cache>/src/`.
    public var directoryName: String { "linux-\(name)" }
    public var description: String { "Linux \(name)" }
}

/// Where the repository's `Kernels/` directory is: `--kernels`, else
/// `./Kernels`, else next to the executable's checkout (`.build/<config>/pvsites`
/// is two levels below it).
public enum KernelFiles {
    public static func locate(_ explicit: String?, executable: String = CommandLine.arguments[0]) -> String? {
        if let explicit { return explicit }
        let fm = FileManager.default
        var candidates = [fm.currentDirectoryPath + "/Kernels"]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0 ..< 4 {
            candidates.append(dir.appendingPathComponent("Kernels").path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { fm.fileExists(atPath: $0 + "/linux-6.1/build.sh") }
    }
}
