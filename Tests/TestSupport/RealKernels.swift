import Foundation

/// The real Debian kernel inputs `scripts/fetch-kernels.sh` extracts, when
/// they are present (tests that use them skip without them).
public enum RealKernels {
    /// `${PVSITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvsites}/kernels`.
    public static let directory: String = {
        let env = ProcessInfo.processInfo.environment
        if let c = env["PVSITES_CACHE"], !c.isEmpty { return c + "/kernels" }
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return base + "/pvsites/kernels"
    }()

    /// A module of `release` ("linux-6.1", "linux-6.12") by its path below
    /// `modules/`, nil when it was not fetched.
    public static func module(_ release: String, _ relative: String) -> String? {
        let path = "\(directory)/\(release)/modules/\(relative)"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }
}
