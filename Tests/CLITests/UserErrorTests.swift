import Foundation
import TestSupport
import Testing

/// Errors a user can cause: one line naming the thing and the problem,
/// exit 2, never a report of zeros. And warnings of corpus builds, which
/// are reported rather than swallowed.
@Suite("User errors", .serialized)
struct UserErrorTests {
    static func run(_ args: [String]) throws -> CommandResult { try CommandLineTests.run(args) }

    /// A small corpus laid out like `Corpus/` (its headers, stubs and
    /// configs.json, with one more compiler whose binary does not exist),
    /// with the given sources under `src/`.
    static func scratchCorpus(_ name: String, sources: [String: String]) throws -> String {
        let dir = Fixtures.scratchPath(name)
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        for sub in ["src", "asm"] { try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        for sub in ["include", "stubs"] {
            try fm.copyItem(atPath: Fixtures.corpusDirectory + "/" + sub, toPath: dir + "/" + sub)
        }
        let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.corpusDirectory + "/configs.json"))
        var config = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        var compilers = try #require(config["compilers"] as? [[String: Any]])
        compilers.append(["name": "nocc", "command": "pvsites-no-such-cc", "family": "gcc", "optional": true])
        config["compilers"] = compilers
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: dir + "/configs.json"))
        for (file, text) in sources { try text.write(toFile: dir + "/src/" + file, atomically: true, encoding: .utf8) }
        return dir
    }

    static let sectionsSource: String = {
        (try? String(contentsOfFile: Fixtures.corpusDirectory + "/src/func_sections.c", encoding: .utf8)) ?? ""
    }()

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

    /// 2. A compiler the corpus lists but that is not installed, asked for
    /// by name: an error naming it, not a study of nothing.
    @Test(arguments: [["study"], ["corpus", "build"]])
    func compilerNotInstalled(command: [String]) throws {
        let dir = try Self.scratchCorpus("nocc-\(command.joined())", sources: ["sections.c": Self.sectionsSource])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = command == ["study"] ? "--cache" : "--out"
        let r = try Self.run(command + ["--corpus", dir, "--compiler", "nocc", cache, dir + "/cache"])
        #expect(r.status == 2)
        #expect(r.stderr == "pvsites: --compiler nocc: pvsites-no-such-cc is not installed\n")
        #expect(r.stdout.isEmpty)
        // A name the corpus does not list at all is an error of its own.
        let unknown = try Self.run(command + ["--corpus", dir, "--compiler", "tcc", cache, dir + "/cache"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.hasPrefix("pvsites: --compiler tcc: \(dir)/configs.json has "), "\(unknown.stderr)")
        #expect(unknown.stderr.contains("nocc") && unknown.stderr.split(separator: "\n").count == 1)
    }

    /// 3. The annotated and the plain build given the wrong way round.
    @Test func annotatedAndPlainSwapped() throws {
        let annotated = try #require(CorpusFixture.object("src/irq_loops.c", "kernel", "-O2", .annotated))
        let plain = try #require(CorpusFixture.object("src/irq_loops.c", "kernel", "-O2", .plain))
        let ok = try Self.run(["compare", "--annotated", annotated, "--plain", plain])
        #expect(ok.status == 0, "\(ok.stderr)")

        let swapped = try Self.run(["compare", "--annotated", plain, "--plain", annotated])
        #expect(swapped.status == 2)
        let lines = swapped.stderr.split(separator: "\n").map(String.init)
        #expect(lines == ["pvsites: \(plain): no annotated records (.parainstructions); are --annotated and --plain swapped?",
                          "pvsites: 1 file failed"])
        #expect(!swapped.stdout.contains("vs"))

        // Two plain builds: no swap to suggest.
        let neither = try Self.run(["compare", "--annotated", plain, "--plain", plain])
        #expect(neither.status == 2)
        #expect(neither.stderr.hasPrefix("pvsites: \(plain): no annotated records (.parainstructions); "
            + "--annotated wants the build with the annotated macros\n"))
    }

    /// 4. Compiler warnings: counted per configuration and listed by
    /// `corpus build` (from the cache as from a fresh build), carried into
    /// the study JSON, and one header line of the study text.
    @Test func warningsAreReported() throws {
        let warn = "#include \"paravirt.h\"\nint warns(void) { int unused; return 1; }\n"
        let dir = try Self.scratchCorpus("warnings", sources: ["sections.c": Self.sectionsSource, "warn.c": warn])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let slice = ["--corpus", dir, "--compiler", "gcc", "--variant", "kernel", "--opt=-O2"]
        for pass in ["built", "cached"] {
            let r = try Self.run(["corpus", "build", "--out", dir + "/cache"] + slice)
            #expect(r.status == 0, "\(pass): \(r.stderr)")
            let lines = r.stdout.split(separator: "\n").map(String.init)
            #expect(lines.contains("3 compiler warnings (gcc kernel -O2: 3):"), "\(pass): \(r.stdout)")
            for mode in ["annotated", "plain", "direct"] {
                #expect(lines.contains {
                    $0.hasPrefix("  src/warn.c (gcc kernel -O2, \(mode)): ") && $0.contains("warning: unused variable")
                }, "\(pass): \(r.stdout)")
            }
        }
        let json = try Self.run(["study", "--cache", dir + "/cache", "--format", "json"] + slice)
        #expect(json.status == 0, "\(json.stderr)")
        let study = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let warnings = try #require(study["warnings"] as? [[String: Any]])
        #expect(warnings.count == 3)
        #expect(warnings.allSatisfy { $0["config"] as? String == "gcc kernel -O2" && $0["file"] as? String == "src/warn.c" })
        #expect(warnings.allSatisfy { ($0["first_line"] as? String)?.contains("warning: unused variable") == true })
        #expect(Set(warnings.compactMap { $0["mode"] as? String }) == ["annotated", "plain", "direct"])
        let text = try Self.run(["study", "--cache", dir + "/cache"] + slice)
        #expect(text.status == 0)
        #expect(text.stdout.split(separator: "\n").contains("  3 compiler warnings (gcc kernel -O2: 3)"))
    }

    /// 5. A link that fails says what the linker said (the undefined
    /// reference), not only that ld returned 1.
    @Test func linkFailureKeepsTheLinkersErrors() throws {
        let undefined = "extern int pvsites_nowhere(void);\nint calls_nowhere(void) { return pvsites_nowhere(); }\n"
        let dir = try Self.scratchCorpus("link", sources: ["sections.c": Self.sectionsSource, "undefined.c": undefined])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try Self.run(["corpus", "build", "--out", dir + "/cache", "--corpus", dir, "--compiler", "gcc",
                              "--variant", "kernel", "--opt=-O2"])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(lines)")
        for mode in ["annotated", "plain", "direct"] {
            #expect(lines.contains {
                $0.hasPrefix("pvsites: (link) (gcc kernel -O2, \(mode)): ") && $0.contains("undefined reference to `pvsites_nowhere'")
            }, "\(lines)")
        }
        #expect(!r.stderr.contains("collect2"))
        #expect(lines.last == "pvsites: 3 files failed")
    }
}
