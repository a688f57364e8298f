import CorpusBuild
import Foundation
import MacroSites
import ELF
import RelocSites
import TestSupport
import Testing

@Suite("Corpus build", .serialized)
struct CorpusBuildTests {
    static let cSources = CorpusFixture.corpus.sources.filter { $0.hasSuffix(".c") }

    @Test func buildsWithoutFailures() throws {
        let build = CorpusFixture.build
        #expect(build.failures.isEmpty, "\(build.failures.map(\.line))")
        // Annotated and plain for the slice, direct for its direct part.
        #expect(build.builds.count == CorpusFixture.configurations.count * 2 + CorpusFixture.directConfigurations.count)
        #expect(build.builds.allSatisfy { $0.image != nil })
    }

    @Test func listing() throws {
        let c = CorpusFixture.corpus
        #expect(c.sources.count >= 16)
        #expect(c.sources.contains { $0.hasSuffix(".S") })
        #expect(c.configurations(compilers: ["gcc"]).count >= 20)
        // Exactly: the files the globs name, and one configuration per
        // (opt, variant) for one compiler.
        let onDisk = try [("src", ".c"), ("asm", ".S")].flatMap { dir, suffix in
            try FileManager.default.contentsOfDirectory(atPath: c.directory + "/" + dir)
                .filter { $0.hasSuffix(suffix) }.map { dir + "/" + $0 }
        }
        #expect(c.sources.sorted() == onDisk.sorted())
        #expect(c.configurations(compilers: ["gcc"]).count == c.config.opts.count * c.config.variants.count)
    }

    /// One record per macro use that survives compilation: the records
    /// MacroSites reads, the relocations readelf lists for the record
    /// section, and the table calls in gcc's own -S output all agree.
    @Test(arguments: ["-O0", "-O2", "-Os"])
    func oneRecordPerSite(opt: String) throws {
        let corpus = CorpusFixture.corpus
        let cfg = CorpusFixture.configuration("kernel", opt)
        for source in Self.cSources {
            let path = try #require(CorpusFixture.object(source, "kernel", opt, .annotated))
            let scan = try MacroScan(file: try ObjectFile(path: path), options: MacroOptions(sourcePositions: false))
            let readelf = try Command.check(["readelf", "-rW", path])
            var inRecords = false, relocs = 0
            for line in readelf.split(separator: "\n") {
                if line.hasPrefix("Relocation section") { inRecords = line.contains("'.rela.parainstructions'") }
                else if inRecords && line.contains("R_X86_64_64") { relocs += 1 }
            }
            let asm = try Command.check(["gcc"] + corpus.cflags(cfg, mode: .annotated, source: source)
                                        + ["-S", "-o", "-", corpus.directory + "/" + source])
            // The macro's calls are the inline asm's (between gcc's #APP and
            // #NO_APP); a call written in C (raw_ops_call.c) has no record.
            var inAsm = false, calls = 0
            for line in asm.split(separator: "\n") {
                let t = line.trimmingCharacters(in: .whitespaces)
                if t == "#APP" { inAsm = true } else if t == "#NO_APP" { inAsm = false }
                if inAsm && (t.hasPrefix("call") || t.hasPrefix("jmp")) && t.contains("*paravirt_ops") { calls += 1 }
            }
            #expect(scan.records == relocs, "\(source)")
            #expect(scan.sites.count == calls, "\(source): \(scan.sites.count) records, \(calls) in gcc -S")
            #expect(scan.findings.isEmpty, "\(source): \(scan.findings)")
        }
    }

    @Test func plainObjectsHaveNoRecords() throws {
        for source in CorpusFixture.corpus.sources {
            let path = try #require(CorpusFixture.object(source, "kernel", "-O2", .plain))
            #expect(try ObjectFile(path: path).findSection(named: ".parainstructions") == nil, "\(source)")
        }
    }

    /// The flags of each variant reach the compiler.
    @Test func variantFlags() throws {
        func relocations(_ variant: String, _ source: String) throws -> String {
            try Command.check(["readelf", "-rW", try #require(CorpusFixture.object(source, variant, "-O2", .plain))])
        }
        #expect(try relocations("retpoline", "src/irq_loops.c").contains("__x86_indirect_thunk_"))
        #expect(try !relocations("kernel", "src/irq_loops.c").contains("__x86_indirect_thunk_"))
        #expect(try relocations("pic", "src/irq_loops.c").contains("GOTPCREL"))
        #expect(try !relocations("kernel", "src/irq_loops.c").contains("GOTPCREL"))
        // ro-ops: the op is loaded once, before the loop, and called through a register.
        let ro = try RelocScan(file: try ObjectFile(path: try #require(CorpusFixture.object("src/irq_loops.c", "ro-ops", "-O2", .plain))),
                               options: RelocOptions(policy: .dataflow, sourcePositions: false))
        #expect(ro.references.contains { $0.use == .load })
        #expect(ro.sites.contains { $0.kind == .callReg })
        let kernel = try RelocScan(file: try ObjectFile(path: try #require(CorpusFixture.object("src/irq_loops.c", "kernel", "-O2", .plain))),
                                   options: RelocOptions(policy: .dataflow, sourcePositions: false))
        #expect(!kernel.references.contains { $0.use == .load })
    }

    @Test func secondBuildIsServedFromCache() throws {
        _ = CorpusFixture.build
        let again = try CorpusBuilder(corpus: CorpusFixture.corpus, cacheDirectory: CorpusFixture.cacheDirectory)
            .build(CorpusFixture.configurations, modes: [.annotated, .plain])
        #expect(again.ran == 0)
        #expect(again.cached > 0)
        #expect(again.failures.isEmpty)
    }

    /// What an interrupted build can leave: a temporary of a process that
    /// is gone (removed), and — after a crash or a full disk — an output
    /// torn under its real name (built again, not served from the cache).
    @Test func interruptedBuildIsNotTrusted() throws {
        let dir = Fixtures.scratchPath("torn")
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        try fm.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: dir + "/asm", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Fixtures.corpusDirectory + "/include", toPath: dir + "/include")
        try fm.copyItem(atPath: Fixtures.corpusDirectory + "/configs.json", toPath: dir + "/configs.json")
        try "int good(void) { return 1; }\n".write(toFile: dir + "/src/good.c", atomically: true, encoding: .utf8)
        defer { try? fm.removeItem(atPath: dir) }
        let corpus = try Corpus(directory: dir)
        let builder = CorpusBuilder(corpus: corpus, cacheDirectory: dir + "/cache")
        let cfg = [CorpusFixture.configuration("kernel", "-O2")]
        let first = try builder.build(cfg, modes: [.plain], links: false)
        let object = try #require(first.builds.first?.objects.first?.path)
        let whole = try Data(contentsOf: URL(fileURLWithPath: object))

        try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: object))
        let stale = object + ".tmp.4194303.7"
        try whole.prefix(100).write(to: URL(fileURLWithPath: stale))
        let again = try builder.build(cfg, modes: [.plain], links: false)
        #expect(again.ran == 1 && again.cached == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: object)) == whole)
        #expect(!fm.fileExists(atPath: stale))
        let third = try builder.build(cfg, modes: [.plain], links: false)
        #expect(third.ran == 0 && third.cached == 1)
    }

    @Test func compileErrorsNameFileAndConfig() throws {
        let dir = Fixtures.scratchPath("badcorpus")
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        try fm.createDirectory(atPath: dir + "/src", withIntermediateDirectories: true)
        try fm.copyItem(atPath: Fixtures.corpusDirectory + "/include", toPath: dir + "/include")
        try fm.copyItem(atPath: Fixtures.corpusDirectory + "/configs.json", toPath: dir + "/configs.json")
        try fm.createDirectory(atPath: dir + "/asm", withIntermediateDirectories: true)
        try "int good(void) { return 1; }\n".write(toFile: dir + "/src/good.c", atomically: true, encoding: .utf8)
        try "int bad(void) { return }\n".write(toFile: dir + "/src/bad.c", atomically: true, encoding: .utf8)
        defer { try? fm.removeItem(atPath: dir) }
        let corpus = try Corpus(directory: dir)
        let build = try CorpusBuilder(corpus: corpus, cacheDirectory: dir + "/cache")
            .build([CorpusFixture.configuration("kernel", "-O2")], links: false)
        #expect(build.failures.count == 3)  // every mode: annotated, plain, direct
        #expect(build.failures.allSatisfy { $0.line.hasPrefix("src/bad.c (gcc kernel -O2, ") && $0.line.contains("error") })
        #expect(build.builds.allSatisfy { $0.objects.map(\.source) == ["src/good.c"] })
    }

    /// What a successful compile printed is kept, per diagnostic, and
    /// served again from the cache; a failed link keeps the linker's own
    /// error lines, not only `collect2: error: ld returned 1 exit status`.
    @Test func warningsAndLinkErrorsAreKept() throws {
        let dir = Fixtures.scratchPath("warncorpus")
        let fm = FileManager.default
        try? fm.removeItem(atPath: dir)
        for sub in ["src", "asm"] { try fm.createDirectory(atPath: dir + "/" + sub, withIntermediateDirectories: true) }
        for item in ["include", "stubs", "configs.json"] {
            try fm.copyItem(atPath: Fixtures.corpusDirectory + "/" + item, toPath: dir + "/" + item)
        }
        try "int warns(void) { int unused; return 1; }\n".write(toFile: dir + "/src/warn.c", atomically: true, encoding: .utf8)
        try "extern int pvsites_nowhere(void);\nint calls(void) { return pvsites_nowhere(); }\n"
            .write(toFile: dir + "/src/undefined.c", atomically: true, encoding: .utf8)
        defer { try? fm.removeItem(atPath: dir) }
        let builder = CorpusBuilder(corpus: try Corpus(directory: dir), cacheDirectory: dir + "/cache")
        let cfg = CorpusFixture.configuration("kernel", "-O2")
        let first = try builder.build([cfg])
        let again = try builder.build([cfg])
        #expect(again.ran == 0 && again.cached == first.ran)  // failed links count in neither
        for build in [first, again] {
            #expect(build.warnings.map(\.mode) == [.annotated, .direct, .plain])
            #expect(build.warnings.allSatisfy {
                $0.configuration == cfg && $0.file == "src/warn.c" && $0.firstLine.contains("warning: unused variable")
            }, "\(build.warnings.map(\.line))")
            #expect(build.failures.count == 3)
            #expect(build.failures.allSatisfy {
                $0.file == "(link)" && $0.message.contains("undefined reference to `pvsites_nowhere'")
                    && !$0.message.contains("collect2")
            }, "\(build.failures.map(\.line))")
        }
        #expect(BuildWarning.summary(first.warnings) == "3 compiler warnings (gcc kernel -O2: 3)")

        // In JSON the configuration is named as reports name it, and reads back.
        let json = try JSONEncoder().encode(first.warnings)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [[String: Any]])
        #expect(object.first?["config"] as? String == "gcc kernel -O2")
        #expect(object.first?["first_line"] as? String == first.warnings.first?.firstLine)
        #expect(try JSONDecoder().decode([BuildWarning].self, from: json) == first.warnings)
    }
}
