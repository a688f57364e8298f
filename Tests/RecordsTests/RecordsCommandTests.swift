import CorpusBuild
import Foundation
import TestSupport
import Testing

/// The contract of `pvsites records`, on the built binary: JSON fields
/// `records`, `refused`, `check.passed`, `check.failed`, `check.failures`;
/// exit 0 when the check passes, 1 when it does not, 2 on bad input with
/// one line naming the file.
@Suite("pvsites records", .serialized, .enabled(if: Fixtures.pvsitesIsBuilt, Fixtures.pvsitesMissing))
struct RecordsCommandTests {
    static let binary = Fixtures.pvsitesBinary

    static func shapes() throws -> String {
        try Fixtures.compile(Shapes.source, name: "records-shapes", flags: ["-g"], language: "assembler-with-cpp")
    }

    static func json(_ r: CommandResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func passingCheckExitsZero() throws {
        let r = try Command.run([Self.binary, "records", try Self.shapes(), "--policy", "decoded", "--check", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try Self.json(r)
        #expect(j["records"] as? Int == 1)
        #expect(j["refused"] as? [String: Int] == ["tail-call": 1, "jump-target-inside": 1])
        let check = try #require(j["check"] as? [String: Any])
        #expect(check["passed"] as? Int == 1 && check["failed"] as? Int == 0)
    }

    @Test func failingCheckExitsOneAndNamesEachSite() throws {
        let r = try Command.run([Self.binary, "records", try Self.shapes(), "--policy", "naive", "--check", "--format", "json"])
        #expect(r.status == 1)
        let j = try Self.json(r)
        #expect(j["records"] as? Int == 6)
        #expect(j["refused"] as? [String: Int] == ["jump-target-inside": 1])
        let check = try #require(j["check"] as? [String: Any])
        #expect(check["passed"] as? Int == 1 && check["failed"] as? Int == 5)
        let failures = try #require(check["failures"] as? [[String: Any]])
        #expect(failures.compactMap { $0["location"] as? String }
            == ["tail+0x0", "via_reg+0x1", "movl_only+0x0", "merged+0x5", "merged+0xe"])
    }

    @Test func noCheckExitsZeroAndHasNoCheckObject() throws {
        let r = try Command.run([Self.binary, "records", try Self.shapes(), "--policy", "naive", "--format", "json"])
        #expect(r.status == 0)
        #expect(try Self.json(r)["check"] == nil)
    }

    @Test func badInputExitsTwoWithOneLine() throws {
        let path = Fixtures.scratchPath("not-elf.o")
        try "not an object\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        let r = try Command.run([Self.binary, "records", path, "--policy", "decoded"])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].contains(path), "\(r.stderr)")
        #expect(try Command.run([Self.binary, "records", path + ".missing"]).status == 2)
        #expect(try Command.run([Self.binary, "records", try Self.shapes(), "--policy", "smart"]).status == 2)
    }

    /// `-o` on a linked image writes the section's raw bytes: for the
    /// annotated image, `readelf -x .parainstructions` less the refused
    /// records' 16 bytes each.
    @Test func outputOfAnImageIsSectionBytes() throws {
        let image = try #require(CorpusFixture.build.find(CorpusFixture.configuration("kernel", "-O0"), .annotated)?.image)
        let out = Fixtures.scratchPath("records.bin")
        defer { unlink(out) }
        let r = try Command.run([Self.binary, "records", image, "-o", out, "--format", "json"])
        #expect(r.status == 0)
        let j = try Self.json(r)
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: out)))
        let records = try #require(j["records"] as? Int)
        #expect(written.count == records * 16)
        let section = try Tools.readelfHex(image, ".parainstructions")
        #expect(section.count == (records + (j["refused"] as? [String: Int] ?? [:]).values.reduce(0, +)) * 16)
    }
}

/// `pvsites corpus list --format json` says where each build is, as the
/// builder that made the fixtures put them.
@Suite("pvsites corpus list builds")
struct CorpusListBuildsTests {
    @Test func buildsPointAtTheFixtures() throws {
        let cfg = CorpusFixture.configuration("kernel", "-O2")
        let r = try Command.run([RecordsCommandTests.binary, "corpus", "list", "--format", "json",
                                 "--corpus", Fixtures.corpusDirectory, "--cache", CorpusFixture.cacheDirectory,
                                 "--compiler", "gcc", "--variant", "kernel", "--opt", "-O2"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try RecordsCommandTests.json(r)
        let configs = try #require(j["configs"] as? [[String: Any]])
        #expect(configs.count == 1)
        // The existing fields stay.
        #expect(configs[0]["variant"] as? String == "kernel" && configs[0]["opt"] as? String == "-O2")
        let builds = try #require(configs[0]["builds"] as? [String: [String: Any]])
        for mode in [BuildMode.annotated, .plain, .direct] {
            let built = try #require(CorpusFixture.build.find(cfg, mode))
            let entry = try #require(builds[mode.rawValue], "\(mode)")
            #expect(entry["objects"] as? String == CorpusFixture.cacheDirectory + "/obj")
            #expect(entry["image"] as? String == built.image, "\(mode)")
            #expect(entry["object_files"] as? [String] == built.objects.map(\.path), "\(mode)")
        }
    }
}
