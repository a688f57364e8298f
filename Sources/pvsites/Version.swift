import Foundation
import Study

/// What the study records about the run that made it.
enum Version {
    /// `git describe --always --dirty` when this pvsites was built (or `unknown`).
    static var describe: String { BuildVersion.describe }

    /// The version, this process's command line and the time now (UTC).
    static func tool(now: Date = Date()) -> StudyResult.Tool {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime]
        format.timeZone = TimeZone(identifier: "UTC")
        return StudyResult.Tool(version: describe, command: StudyResult.Tool.commandLine(CommandLine.arguments),
                                date: format.string(from: now))
    }
}
