import Compare
import CorpusBuild
import ELF
import Foundation
import Pipeline
import RelocSites
import TestSupport
import Testing

/// Two builds of one source from two directories, as Linux 6.12's direct
/// form is built from its own patched copy of the tree: DWARF names every
/// file by its absolute path, so the builds share no path. The comparison
/// must pair their sites as it pairs two builds of one directory (before
/// SourceRoots, 6.12's one asm site, entry_64.S's error_return, was missed
/// and spurious at once, and C sites paired only by function).
@Suite("Builds from two source directories")
struct SourceRootsTests {
    /// Corpus/ copied twice into the fixture cache (its sources, headers and
    /// configuration; not the baseline), brought up to date once per process:
    /// each file written (atomically) only where it differs, so the copies,
    /// and the objects built from them, stay from one run to the next.
    static let copies: Result<(String, String), any Error> = Result {
        let fm = FileManager.default
        func copy(_ name: String) throws -> String {
            let dir = Fixtures.cacheDirectory + "/" + name
            guard let files = fm.enumerator(atPath: Fixtures.corpusDirectory) else {
                throw FixtureError.commandFailed("list \(Fixtures.corpusDirectory)", "cannot read it")
            }
            for case let file as String in files where file != "baseline.json" {
                let from = Fixtures.corpusDirectory + "/" + file, to = dir + "/" + file
                var isDirectory: ObjCBool = false
                guard fm.fileExists(atPath: from, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
                let data = try Data(contentsOf: URL(fileURLWithPath: from))
                guard fm.contents(atPath: to) != data else { continue }
                try fm.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                try data.write(to: URL(fileURLWithPath: to), options: .atomic)
            }
            return dir
        }
        return (try copy("corpus-copy-a"), try copy("corpus-copy-b"))
    }

    static let configuration = CorpusFixture.configuration("kernel", "-O2")

    /// `source` built in `mode` from the corpus at `directory`.
    static func object(_ source: String, from directory: String, _ mode: BuildMode) throws -> String {
        let builder = CorpusBuilder(corpus: try Corpus(directory: directory), cacheDirectory: Fixtures.cacheDirectory + "/corpus-copies")
        let build = try builder.build([configuration], modes: [mode], links: false)
        return try #require(build.find(configuration, mode)?.objects.first { $0.source == source }?.path,
                            "\(source) not built from \(directory)")
    }

    @Test(arguments: ["asm/entry_64.S", "src/irq_loops.c", "src/context_switch.c", "src/cold_paths.c"])
    func pairAsFromOneDirectory(source: String) throws {
        let (a, b) = try Self.copies.get()
        let annotated = try Self.object(source, from: a, .annotated)
        let plain = try Self.object(source, from: b, .plain)
        // The two objects name their files under different roots.
        let lines = try Command.check(["readelf", "--debug-dump=info", annotated]) + (try Command.check(["readelf", "--debug-dump=info", plain]))
        #expect(lines.contains(a + "/" + source) && lines.contains(b + "/" + source))
        let apart = try Analysis(annotated: try ObjectFile(path: annotated), plain: try ObjectFile(path: plain))
        let together = try Analysis(
            annotated: try ObjectFile(path: try #require(CorpusFixture.object(source, "kernel", "-O2", .annotated))),
            plain: try ObjectFile(path: try #require(CorpusFixture.object(source, "kernel", "-O2", .plain))))
        #expect(apart.annotated.count > 0)
        for policy in Policy.allCases {
            #expect(apart.comparisons[policy]!.counts == together.comparisons[policy]!.counts, "\(source) \(policy)")
            // And the outcomes name the annotated build's own files.
            let files = Set(apart.comparisons[policy]!.outcomes.compactMap(\.annotated).flatMap { $0.source.map(\.file) })
            #expect(files.allSatisfy { !$0.hasPrefix(b + "/") }, "\(source) \(policy): \(files)")
        }
    }
}
