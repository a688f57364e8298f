import Compare
import Foundation
import RelocSites
import Reports
import Study
import TestSupport
import Testing

/// End to end: the built `pvsites` binary, as users and CI run it.
@Suite("Command line", .serialized, .enabled(if: Fixtures.pvsitesIsBuilt, Fixtures.pvsitesMissing))
struct CommandLineTests {
    static let binary = Fixtures.pvsitesBinary

    /// `study` runs without the Linux A/B result a `kernel study` may have
    /// left in this machine's cache (tests of `--linux` name their own).
    static func run(_ args: [String]) throws -> CommandResult {
        let isolated = args.first == "study" && !args.contains("--linux") && !args.contains("--no-linux")
        return try Command.run([binary] + args + (isolated ? ["--no-linux"] : []), currentDirectory: Fixtures.repositoryRoot)
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
        #expect(errors.count == 3)
        #expect(errors.contains { $0.contains("/nonexistent.o: no such file") })
        #expect(errors.contains { $0.contains("/etc/hostname: not an ELF file") })
        #expect(errors.last == "pvsites: 2 files failed")
        #expect(r.stdout.contains("1 file,"))
        #expect(!r.stdout.contains("failed"), "the failures are counted once, on stderr")
    }

    /// A directory walk: objects are read, a non-ELF `.o` is skipped and
    /// counted (not failed), a broken ELF object fails alone; every batch
    /// command ends with the count of failed files.
    @Test(arguments: ["objinfo", "macro", "reloc", "compare"])
    func directoryWalk(command: String) throws {
        let good = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
        let dir = Fixtures.scratchPath("walk-\(command)")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: good, toPath: dir + "/sub/good.o")
        try "not an object\n".write(toFile: dir + "/notes.o", atomically: true, encoding: .utf8)
        try "ignored: not named like an object\n".write(toFile: dir + "/README", atomically: true, encoding: .utf8)
        var broken = try ELFBytes(path: good)
        broken.bytes = Array(broken.bytes.prefix(broken.bytes.count / 2))
        try broken.write(to: dir + "/broken.ko")

        let r = try Self.run([command, dir])
        #expect(r.status == 2)
        let errors = r.stderr.split(separator: "\n").map(String.init)
        #expect(errors.count == 2, "\(errors)")
        #expect(errors.first?.hasPrefix("pvsites: \(dir)/broken.ko: ") == true)
        #expect(errors.last == "pvsites: 1 file failed")
        #expect(r.stdout.contains("1 file skipped (named like objects, but not ELF)"))
        #expect(!r.stdout.contains("notes.o:"))

        // The same files, JSON: the skipped file is listed, the good one read.
        let j = try Self.run([command, "--keep-going", "--format", "json", dir])
        #expect(j.status == 2)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(json["skipped"] as? [String] == [dir + "/notes.o"])
        #expect((json["errors"] as? [Any])?.count == 1)

        // Without failures: exit 0, no count line.
        try FileManager.default.removeItem(atPath: dir + "/broken.ko")
        let ok = try Self.run([command, dir])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.isEmpty)

        // A non-ELF file named on the command line is an error, not skipped.
        let named = try Self.run([command, dir + "/notes.o", dir + "/sub/good.o"])
        #expect(named.status == 2)
        #expect(named.stderr.contains("\(dir)/notes.o: not an ELF file"))
        #expect(named.stderr.hasSuffix("pvsites: 1 file failed\n"))
    }

    /// --no-keep-going: failures, their count, and no report.
    @Test func noKeepGoing() throws {
        let good = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
        let r = try Self.run(["reloc", "--no-keep-going", good, "/etc/hostname"])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasSuffix("pvsites: 1 file failed\n"))
        let ok = try Self.run(["reloc", "--no-keep-going", good])
        #expect(ok.status == 0)
        #expect(ok.stdout.contains("1 file,"))
    }

    @Test func badOptionsExitTwo() throws {
        #expect(try Self.run(["reloc", "--policy", "clever", "x.o"]).status == 2)
        #expect(try Self.run(["macro", "--layout", "size=3"]).status == 2)
        #expect(try Self.run(["compare", "--annotated", "a.o"]).status == 2)
        #expect(try Self.run(["frobnicate"]).status == 2)
        #expect(try Self.run(["--help"]).status == 0)
    }

    /// `pvsites --version`: git describe of the tree it was built from.
    @Test func version() throws {
        let r = try Self.run(["--version"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        let words = r.stdout.split(separator: " ")
        #expect(words.first == "pvsites" && words.count == 2, "\(r.stdout)")
        // `git describe --always --dirty` of the tree when it was built: a
        // commit of this repository (`v1.0-3-gabc1234`, `abc1234`), maybe `-dirty`.
        var described = String(words.last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if described.hasSuffix("-dirty") { described.removeLast("-dirty".count) }
        let commit = described.split(separator: "-").last.map { $0.hasPrefix("g") && $0.count > 7 ? String($0.dropFirst()) : String($0) } ?? ""
        #expect(commit.count >= 7 && commit.allSatisfy(\.isHexDigit), "\(r.stdout)")
        #expect(try Command.run(["git", "-C", Fixtures.repositoryRoot, "cat-file", "-e", commit + "^{commit}"]).status == 0,
                "\(r.stdout): \(commit) is not a commit here")
    }

    @Test func studyJSON() throws {
        let cache = CorpusFixture.cacheDirectory
        _ = CorpusFixture.build
        let r = try Self.run(["study", "--cache", cache, "--compiler", "gcc", "--variant", "kernel", "--opt=-O2", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(json["schema"] as? Int == 1)
        let configs = try #require(json["configs"] as? [[String: Any]])
        #expect(configs.count == 4)  // object and linked, plain and direct
        #expect(Set(configs.compactMap { $0["form"] as? String }) == ["plain", "direct"])
        // Which pvsites, asked how, when.
        let tool = try #require(json["tool"] as? [String: String])
        #expect(tool["version"] == (try Self.run(["--version"])).stdout.dropFirst("pvsites ".count).dropLast(1).description)
        #expect(tool["command"] == "\(Self.binary) study --cache \(cache) --compiler gcc --variant kernel --opt=-O2 --format json --no-linux")
        let date = try #require(tool["date"])
        #expect(date.wholeMatch(of: /20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z/) != nil, "\(date)")
        let text = try Self.run(["study", "--cache", cache, "--compiler", "gcc", "--variant", "kernel", "--opt=-O2", "--no-linux"])
        #expect(text.stdout.split(separator: "\n").allSatisfy { $0.count <= 72 })
    }

    /// `--linux FILE` leads the report with a kernel study's result (here
    /// the corpus's own configs relabelled as a kernel's); a file that is
    /// not one is an error of one line.
    @Test func studyLeadsWithTheLinuxResult() throws {
        let cache = CorpusFixture.cacheDirectory
        _ = CorpusFixture.build
        let slice = ["--cache", cache, "--compiler", "gcc", "--variant", "kernel", "--opt=-O2"]
        let r = try Self.run(["study", "--format", "json", "--no-linux"] + slice)
        let result = try JSONDecoder().decode(StudyResult.self, from: Data(r.stdout.utf8))
        #expect(result.linux == nil)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-linux-\(getpid()).json").path
        defer { try? FileManager.default.removeItem(atPath: file) }
        let corpusConfigs = result.configs
        var relabelled = corpusConfigs
        for i in relabelled.indices { relabelled[i].kernel = "6.1"; relabelled[i].retpoline = .off }
        let kernel = StudyResult(corpus: "Linux", compilers: result.compilers, skipped: [], configs: relabelled,
                                 examples: [], failures: [])
        try JSONOutput.encode(kernel).write(toFile: file, atomically: true, encoding: .utf8)
        let text = try Self.run(["study", "--linux", file] + slice)
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        let object = try #require(corpusConfigs.first { $0.link == .object })
        // The verdict's first sentence: the Linux result, in C sites.
        let f = try #require(object.policies[.dataflow]?.bySource?[.c])
        #expect(lines.prefix(20).contains { $0.hasPrefix("  Linux 6.1, objects, gcc -O2: retpolines off, ") })
        let prose = lines.map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        #expect(prose.contains("of \(f.annotated) annotated C sites a dataflow relocation scan finds \(f.found) "), "\(prose.prefix(600))")
        #expect(lines.contains { $0.hasPrefix("Linux 6.1 A/B, gcc, objects") })
        let json = try Self.run(["study", "--linux", file, "--format", "json"] + slice)
        let back = try JSONDecoder().decode(StudyResult.self, from: Data(json.stdout.utf8))
        #expect(back.linux?.count == 1)
        #expect(back.linux?.first?.configs.count == corpusConfigs.count)
        let bad = try Self.run(["study", "--linux", cache + "/no-such.json"] + slice)
        #expect(bad.status == 2)
        #expect(bad.stderr == "pvsites: \(cache)/no-such.json: cannot read the Linux A/B result\n", "\(bad.stderr)")
    }
}
