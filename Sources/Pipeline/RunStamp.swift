/// `"tool": {"version": ..., "command": ..., "date": ...}`: which pvsites
/// made a result, how it was asked, and when (a study's, a boot run's).
public struct RunStamp: Codable, Sendable, Hashable {
    /// `git describe --always --dirty` at build time (`pvsites --version`).
    public let version: String
    /// The command line, words quoted for a POSIX shell where needed.
    public let command: String
    /// When it ran: ISO 8601, UTC (`2025-12-01T13:40:00Z`).
    public let date: String

    public init(version: String, command: String, date: String) {
        self.version = version
        self.command = command
        self.date = date
    }

    /// `arguments` (argv) as one line a shell would read back the same.
    public static func commandLine(_ arguments: [String]) -> String {
        arguments.map { word in
            let plain = !word.isEmpty && word.allSatisfy { $0.isLetter || $0.isNumber || "-_./=:,+@%".contains($0) }
            return plain ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}
