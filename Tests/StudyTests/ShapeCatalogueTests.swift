import Compare
import CorpusBuild
import Foundation
import Pipeline
@testable import Reports
import RelocSites
import Study
import TestSupport
import Testing

/// The corpus as a catalogue of shapes: every source declares what it is
/// in configs.json, and the report's per-file misses add up to the
/// configurations' counts.
@Suite("Corpus shapes", .serialized)
struct ShapeCatalogueTests {
    @Test func everyCorpusFileDeclaresItsShape() throws {
        let corpus = CorpusFixture.corpus
        let shapes = try #require(corpus.config.shapes, "Corpus/configs.json has no shapes")
        let files = Set(corpus.sources.map { URL(fileURLWithPath: $0).lastPathComponent })
        #expect(!files.isEmpty)
        let declaredOnly = Set(shapes.keys).subtracting(files), undeclared = files.subtracting(shapes.keys)
        #expect(files == Set(shapes.keys), "declared but absent: \(declaredOnly); absent from shapes: \(undeclared)")
        for (file, shape) in shapes { #expect(!shape.about.isEmpty, "\(file)") }
        // The three files written to defeat the scan say so.
        for f in ["ops_pointer.c", "literal_pool.c", "store_then_call.c"] { #expect(shapes[f]?.kind == .adversarial, "\(f)") }
        #expect(StudyRunTests.result.shapes == shapes, "the study carries them (JSON shapes)")
    }

    /// Per column, the files' misses add up to the configurations' missed
    /// sites (copies-differ left out): nothing is lost by the split.
    @Test func filesAddUpToTheConfigurations() throws {
        let r = StudyRunTests.result
        let catalogue = try #require(ShapeCatalogue(r, compiler: "gcc", version: "gcc", variants: ["kernel"]))
        #expect(catalogue.columns.map(\.label) == ["dec", "dfl", "dec", "dfl"], "the fixture study has no direct form")
        for (i, col) in catalogue.columns.enumerated() {
            let configs = r.configs.filter {
                $0.variant == "kernel" && $0.link == .object && $0.form == col.form && col.levels.contains($0.opt)
            }
            try #require(configs.count == col.levels.count)
            let total = configs.reduce(0) { $0 + (($1.policies[col.policy]?.realMissed) ?? 0) }
            #expect(catalogue.lines.reduce(0) { $0 + ($1.missed[i] ?? 0) } == total, "\(col.label) \(col.levels)")
        }
        // What the issue saw: at -O2 most of decoded's misses are in the adversarial files.
        let o2 = try StudyRunTests.config("kernel", "-O2")
        let adversarial = ShapeCatalogue.missed(o2, .decoded, in: .adversarial, shapes: try #require(r.shapes))
        let decoded = try #require(o2.policies[.decoded])
        #expect(adversarial > 0 && adversarial <= decoded.realMissed)
    }
}
