import Foundation
import Pipeline
import Reports
import Study
import TestSupport
import Testing

/// `pvsites study` and the Linux results it leads with: recorded ones
/// (`--kernels DIR`: DIR/results/*.json) unless this machine's kernel
/// cache ($PVSITES_CACHE/kernels/results) has a newer one, and one line
/// when there is none. The kernel studies are the corpus's own -O2 rows
/// relabelled as a kernel's.
@Suite("Linux results on the command line", .serialized)
struct LinuxResultsCLITests {
    static let slice = ["--cache", CorpusFixture.cacheDirectory, "--compiler", "gcc", "--variant", "kernel", "--opt=-O2"]

    /// A scratch directory with `kernels/results/` (recorded) and
    /// `cache/kernels/results/` (local), both empty.
    static func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-linux-cli-\(UUID().uuidString)").path
        for d in ["/kernels/results", "/cache/kernels/results"] {
            try FileManager.default.createDirectory(atPath: dir + d, withIntermediateDirectories: true)
        }
        return dir
    }

    static func run(_ dir: String, _ args: [String]) throws -> CommandResult {
        var env = ProcessInfo.processInfo.environment
        env["PVSITES_CACHE"] = dir + "/cache"
        return try Command.run([CommandLineTests.binary, "study", "--kernels", dir + "/kernels"] + args + slice,
                               currentDirectory: Fixtures.repositoryRoot, environment: env)
    }

    /// A kernel study of `version` made at `date`, written to `path`.
    static func writeKernelStudy(_ path: String, version: String, date: String, command: String) throws {
        _ = CorpusFixture.build
        let r = try Command.run([CommandLineTests.binary, "study", "--no-linux", "--format", "json"] + slice)
        let corpus = try JSONDecoder().decode(StudyResult.self, from: Data(r.stdout.utf8))
        var configs = corpus.configs
        for i in configs.indices { configs[i].kernel = version; configs[i].retpoline = .on; configs[i].scope = .subset }
        var kernel = StudyResult(corpus: "the Linux \(version) A/B", compilers: corpus.compilers, skipped: [],
                                 configs: configs, examples: [], failures: [])
        kernel.tool = StudyResult.Tool(version: "test", command: command, date: date)
        try JSONOutput.encode(kernel).write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func noneIsOneLine() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.run(dir, [])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.filter { $0.contains(LinuxResult.noneLine) } == ["  " + LinuxResult.noneLine])
        #expect(!lines.contains { $0.hasPrefix("Linux ") })
        let json = try Self.run(dir, ["--format", "json"])
        let result = try JSONDecoder().decode(StudyResult.self, from: Data(json.stdout.utf8))
        #expect(result.linux?.isEmpty == true)
    }

    /// Recorded only: it leads, labelled recorded, with its command. A
    /// newer local study of the same version replaces it; an older one
    /// does not.
    @Test func recordedUnlessANewerLocalOne() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let recorded = dir + "/kernels/results/6.1-gcc.json"
        try Self.writeKernelStudy(recorded, version: "6.1", date: "2026-12-01T10:00:00Z",
                                  command: "pvsites kernel study --full --record")
        var r = try Self.run(dir, [])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("  Linux 6.1, gcc: subset; recorded 2026-12-01\n    reproduce (pvsites test): pvsites kernel study --full --record\n"))
        #expect(!r.stdout.contains(LinuxResult.noneLine))

        let local = dir + "/cache/kernels/results/study-6.1.json"
        try Self.writeKernelStudy(local, version: "6.1", date: "2026-11-30T10:00:00Z", command: "pvsites kernel study")
        r = try Self.run(dir, ["--format", "json"])
        var result = try JSONDecoder().decode(StudyResult.self, from: Data(r.stdout.utf8))
        #expect(result.linux?.map(\.source) == [recorded], "an older local study leaves the recorded one")

        try Self.writeKernelStudy(local, version: "6.1", date: "2026-12-05T10:00:00Z", command: "pvsites kernel study")
        r = try Self.run(dir, ["--format", "json"])
        result = try JSONDecoder().decode(StudyResult.self, from: Data(r.stdout.utf8))
        #expect(result.linux?.map(\.source) == [local])
        #expect(result.linux?.first?.recorded == false)
        let text = try Self.run(dir, [])
        #expect(text.stdout.contains("  Linux 6.1, gcc: subset; this machine's kernel study of 2026-12-05\n"))

        // Another version recorded beside it: both lead.
        try Self.writeKernelStudy(dir + "/kernels/results/6.99-gcc.json", version: "6.99", date: "2026-12-01T10:00:00Z",
                                  command: "pvsites kernel study --kernel 6.99 --full --record")
        r = try Self.run(dir, ["--format", "json"])
        result = try JSONDecoder().decode(StudyResult.self, from: Data(r.stdout.utf8))
        #expect(result.linux?.map(\.version) == ["6.1", "6.99"])
        #expect(result.linux?.map(\.recorded) == [false, true])
    }
}
