import Foundation

/// The compilers and linkers the corpus build names: their versions,
/// asked once each (`Subprocess` runs them).
public enum Toolchain {
    private static let versions = VersionCache()

    /// The first line of `command --version`, nil when it does not run.
    public static func version(of command: String) -> String? {
        versions.get(command) {
            let r = Subprocess.run([command, "--version"])
            guard r.status == 0 else { return nil }
            return r.output.split(separator: "\n").first.map(String.init)
        }
    }
}

import Synchronization

final class VersionCache: Sendable {
    private let cache = Mutex<[String: String?]>([:])
    func get(_ key: String, _ make: () -> String?) -> String? {
        if let hit = cache.withLock({ $0[key] }) { return hit }
        let v = make()
        cache.withLock { $0[key] = v }
        return v
    }
}
