import CorpusBuild
import Foundation
import TestSupport
import Testing

/// One command line: the same options spelled the same way everywhere,
/// progress only on a terminal, one failure count, op names everywhere.
@Suite("CLI consistency", .serialized)
struct ConsistencyTests {
    static func run(_ args: [String]) throws -> CommandResult { try CommandLineTests.run(args) }

    static var slice: [String] { ["--cache", CorpusFixture.cacheDirectory, "--compiler", "gcc", "--variant", "kernel"] }

    /// Under a terminal (`script` gives the command one): the study and the
    /// gate say what they build and compare.
    static func onTerminal(_ args: [String]) throws -> String {
        let line = ([CommandLineTests.binary] + args).map { "'\($0)'" }.joined(separator: " ")
        return try Command.run(["script", "-qec", line, "/dev/null"], currentDirectory: Fixtures.repositoryRoot).stdout
    }

    @Test func progressOnlyOnATerminal() throws {
        _ = CorpusFixture.build
        let study = Self.slice + ["--opt", "O2", "--no-linux", "-o", "/dev/null"]
        let shown = try Self.onTerminal(["study"] + study)
        #expect(shown.contains("building 1 config: ") && shown.contains(" objects"), "\(shown)")
        #expect(shown.contains("comparing 1 config: ") && shown.contains(" object pairs"), "\(shown)")
        let quiet = try Self.run(["study"] + study)
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")

        let gate = ["gate", "--baseline", "Corpus/baseline.json"] + Self.slice + ["--opt", "-O2"]
        #expect(try Self.onTerminal(gate).contains("comparing 1 config: "))
        let g = try Self.run(gate)
        #expect(g.stderr.isEmpty, "\(g.stderr)")
    }

    /// `--opt O2`, `--opt -O2` and `--opt=-O2` select the same; an unknown
    /// level is one line listing the known ones.
    @Test func optSpellings() throws {
        var listings: [String] = []
        for opt in [["--opt", "O2"], ["--opt", "-O2"], ["--opt=-O2"], ["--opt=O2"]] {
            let r = try Self.run(["corpus", "list", "--format", "json", "--compiler", "gcc"] + opt)
            #expect(r.status == 0, "\(opt): \(r.stderr)")
            listings.append(r.stdout)
        }
        #expect(Set(listings).count == 1)
        #expect(listings[0].contains("\"opt\" : \"-O2\""))
        let bad = try Self.run(["study", "--opt", "-O4"])
        #expect(bad.status == 2)
        #expect(bad.stderr == "pvsites: --opt -O4: Corpus/configs.json has -O0, -O1, -O2, -O3, -Os\n")
        let variant = try Self.run(["corpus", "list", "--variant", "kernal"])
        #expect(variant.status == 2)
        #expect(variant.stderr.hasPrefix("pvsites: --variant kernal: Corpus/configs.json has kernel, "))
    }

    /// `corpus build` takes `--cache` like `study` and `gate`; `--out` stays.
    @Test(arguments: ["--cache", "--out"])
    func corpusBuildCache(option: String) throws {
        _ = CorpusFixture.build
        let r = try Self.run(["corpus", "build", option, CorpusFixture.cacheDirectory, "--compiler", "gcc",
                              "--variant", "kernel", "--opt", "O2"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("1 configuration, "), "\(r.stdout)")
        #expect(r.stdout.contains("cache: \(CorpusFixture.cacheDirectory)"))
    }

    /// `macro` names ops as `reloc` does: from the plain build's DWARF when
    /// the annotated object has none for the table.
    @Test func macroNamesOps() throws {
        _ = CorpusFixture.build
        let a = try #require(CorpusFixture.object("src/apic_time.c", "kernel", "-O2", .annotated))
        let p = try #require(CorpusFixture.object("src/apic_time.c", "kernel", "-O2", .plain))
        let reloc = try Self.run(["reloc", p])
        #expect(reloc.stdout.contains(" apic_write"))
        for args in [[a, "--names-from", p], [a, p]] {
            let r = try Self.run(["macro"] + args)
            #expect(r.status == 0, "\(r.stderr)")
            let siteLines = r.stdout.split(separator: "\n").filter { $0.contains(" call ") || $0.contains(" jmp ") }
            #expect(!siteLines.isEmpty)
            #expect(siteLines.allSatisfy { !$0.contains(" +0x") }, "\(siteLines)")
            #expect(siteLines.contains { $0.contains(" call apic_write ") })
        }
        let missing = try Self.run(["macro", a, "--names-from", "/nonexistent.o"])
        #expect(missing.status == 2)
        #expect(missing.stderr == "pvsites: /nonexistent.o: cannot read (--names-from)\n")
    }

    /// The compare header stays within 100 columns with cache-like paths
    /// (file names with a hash, two of them do not fit on one line).
    @Test func compareHeaderFits() throws {
        _ = CorpusFixture.build
        var paths: [String] = []
        let dir = NSTemporaryDirectory() + "pvsites-header-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for mode in [BuildMode.annotated, .plain] {
            let object = try #require(CorpusFixture.object("src/apic_time.c", "kernel", "-O2", mode))
            let path = dir + "/gcc-kernel-O2-\(mode.rawValue)-apic_time_c-0123456789abcdef.o"
            try? FileManager.default.removeItem(atPath: path)
            try FileManager.default.copyItem(atPath: object, toPath: path)
            paths.append(path)
        }
        let (a, p) = (paths[0], paths[1])
        #expect("\(a) vs \(p): 10 annotated, 10 found (dataflow)".count > 100)
        let r = try Self.run(["compare", "--annotated", a, "--plain", p])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines.allSatisfy { $0.count <= 100 }, "\(lines)")
        #expect(Array(lines.prefix(3)) == ["annotated: \(a)", "plain:     \(p)", "  10 annotated, 10 found (dataflow)"])
    }
}
