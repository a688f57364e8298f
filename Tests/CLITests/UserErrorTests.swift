import Foundation
import TestSupport
import Testing

/// Errors a user can cause: one line naming the thing and the problem,
/// exit 2, never a report of zeros. And warnings of corpus builds, which
/// are reported rather than swallowed.
@Suite("User errors", .serialized)
struct UserErrorTests {
    static func run(_ args: [String]) throws -> CommandResult { try CommandLineTests.run(args) }

    /// 1. A directory with no object in it: one line, no report.
    @Test(arguments: ["objinfo", "macro", "reloc", "compare"])
    func directoryWithoutObjects(command: String) throws {
        let dir = Fixtures.scratchPath("empty-\(command)")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "not an object\n".write(toFile: dir + "/sub/README", atomically: true, encoding: .utf8)
        for format in ["text", "json"] {
            let r = try Self.run([command, "--format", format, dir])
            #expect(r.status == 2)
            #expect(r.stderr == "pvsites: no objects found under \(dir)\n")
            #expect(r.stdout.isEmpty)
        }
        // Next to a file that is read: the line, the report, the count.
        let good = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
        let r = try Self.run([command, dir, good])
        #expect(r.status == 2)
        #expect(r.stderr == "pvsites: no objects found under \(dir)\npvsites: 1 file failed\n")
        #expect(!r.stdout.isEmpty)
    }
}
