import Foundation

/// Runs compilers and linkers (the corpus build's only subprocesses).
public enum Toolchain {
    public struct RunResult: Sendable {
        public let status: Int32
        public let output: String
    }

    /// Run a program found on PATH, with stdout and stderr merged.
    public static func run(_ argv: [String]) -> RunResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return RunResult(status: 127, output: "\(argv[0]): \(error)") }
        var data = Data()
        let fd = pipe.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 16384) }
            if n > 0 { data.append(contentsOf: buffer[0 ..< n]); continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        process.waitUntilExit()
        return RunResult(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
    }

    private static let versions = VersionCache()

    /// The first line of `command --version`, nil when it does not run.
    public static func version(of command: String) -> String? {
        versions.get(command) {
            let r = run([command, "--version"])
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
