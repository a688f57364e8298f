import Foundation

/// Runs a program and captures its output (tests compare pvsites with
/// gcc, readelf, objdump and eu-addr2line).
public struct CommandResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public enum Command {
    /// Run `argv[0]` found on PATH with the remaining arguments.
    @discardableResult
    public static func run(_ argv: [String], currentDirectory: String? = nil,
                           environment: [String: String]? = nil) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        if let environment { process.environment = environment }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes concurrently so a chatty child cannot block.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errData = readAll(err.fileHandleForReading.fileDescriptor)
            group.leave()
        }
        let outData = readAll(out.fileHandleForReading.fileDescriptor)
        group.wait()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// Read a pipe to its end, retrying on EINTR (Foundation's
    /// readDataToEndOfFile traps on it under the test runner's signals).
    static func readAll(_ fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n > 0 { data.append(contentsOf: buffer[0 ..< n]); continue }
            if n < 0 && errno == EINTR { continue }
            return data
        }
    }

    /// Run and require exit status 0; the error carries stderr.
    @discardableResult
    public static func check(_ argv: [String], currentDirectory: String? = nil) throws -> String {
        let r = try run(argv, currentDirectory: currentDirectory)
        guard r.status == 0 else { throw FixtureError.commandFailed(argv.joined(separator: " "), r.stderr) }
        return r.stdout
    }
}

public enum FixtureError: Error, CustomStringConvertible {
    case commandFailed(String, String)
    public var description: String {
        switch self {
        case .commandFailed(let cmd, let err): return "\(cmd) failed: \(err)"
        }
    }
}
