import Foundation
import TestSupport
import Testing

/// End to end: the built `pvsites` binary, as users and CI run it.
@Suite("Command line", .serialized)
struct CommandLineTests {
    /// The executable sits next to the test bundle.
    static let binary: String = {
        var dir = URL(fileURLWithPath: Bundle.main.bundlePath)
        for _ in 0 ..< 4 {
            let candidate = dir.appendingPathComponent("pvsites").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        return Fixtures.repositoryRoot + "/.build/debug/pvsites"
    }()

    static func run(_ args: [String]) throws -> CommandResult {
        try Command.run([binary] + args, currentDirectory: Fixtures.repositoryRoot)
    }

    @Test func objinfoCountsEqualReadelf() throws {
        let path = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
        let r = try Self.run(["objinfo", "--format", "json", path])
        #expect(r.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["schema"] as? Int == 1)
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["files"] as? Int == 1)
        let readelf = try Command.check(["readelf", "-rW", path])
        let entries = readelf.split(separator: "\n").filter { $0.contains("R_X86_64_") }.count
        #expect(summary["relocations"] as? Int == entries)
    }

    /// Bad input: one line naming the file, exit 2; the other files go on.
    @Test func badFilesInABatch() throws {
        let good = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
        let r = try Self.run(["reloc", "/nonexistent.o", "/etc/hostname", good])
        #expect(r.status == 2)
        let errors = r.stderr.split(separator: "\n")
        #expect(errors.count == 2)
        #expect(errors.contains { $0.contains("/nonexistent.o: no such file") })
        #expect(errors.contains { $0.contains("/etc/hostname: not an ELF file") })
        #expect(r.stdout.contains("1 files"))
    }

    @Test func badOptionsExitTwo() throws {
        #expect(try Self.run(["reloc", "--policy", "clever", "x.o"]).status == 2)
        #expect(try Self.run(["macro", "--layout", "size=3"]).status == 2)
        #expect(try Self.run(["compare", "--annotated", "a.o"]).status == 2)
        #expect(try Self.run(["frobnicate"]).status == 2)
        #expect(try Self.run(["--help"]).status == 0)
    }

    @Test func studyJSON() throws {
        let cache = CorpusFixture.cacheDirectory
        _ = CorpusFixture.build
        let r = try Self.run(["study", "--cache", cache, "--variant", "kernel", "--opt=-O2", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["schema"] as? Int == 1)
        let configs = try #require(json["configs"] as? [[String: Any]])
        #expect(configs.count == 2)  // object and linked
        let text = try Self.run(["study", "--cache", cache, "--variant", "kernel", "--opt=-O2"])
        #expect(text.stdout.split(separator: "\n").allSatisfy { $0.count <= 72 })
    }
}
