import Compare
import CorpusBuild
import Foundation
import RelocSites
import SiteModel
@testable import Study
import TestSupport
import Testing

/// The study's direct form on the fixture's direct slice (gcc 12, kernel,
/// retpoline and pic at -O0, -O2 and -Os): annotated against direct, as
/// objects and as linked images. Every annotated site is found, or the
/// miss has a cause; the numbers are exact. The only misses that are not
/// copies-differ are literal_pool.c's two sites, which that file writes
/// without the macros in every unannotated build (its slot address in a
/// literal pool: undecodable, as in the plain form); the only spurious
/// site that is not copies-differ is raw_ops_call.c's call through the
/// table written without a macro (unannotated-call: decoded sees it where
/// gcc calls through memory, dataflow everywhere).
@Suite("Study, direct form", .serialized)
struct DirectFormTests {
    static let result: StudyResult = {
        var runner = StudyRunner(corpus: CorpusFixture.corpus, cacheDirectory: CorpusFixture.cacheDirectory)
        runner.forms = [.direct]
        do { return try runner.run(CorpusFixture.directConfigurations) } catch { fatalError("\(error)") }
    }()

    /// (annotated, found, missed copies-differ, spurious copies-differ,
    /// decoded's unannotated calls) per configuration, the same under
    /// decoded and dataflow, objects and linked images alike. The
    /// annotated counts are the plain study's (the same annotated build).
    static let expected: [String: (annotated: Int, found: Int, missedCopies: Int, spuriousCopies: Int, unannotated: Int)] = [
        "kernel -O0": (201, 199, 0, 0, 0), "kernel -O2": (289, 286, 1, 33, 1), "kernel -Os": (202, 200, 0, 87, 1),
        "retpoline -O0": (201, 199, 0, 0, 0), "retpoline -O2": (289, 286, 1, 34, 0), "retpoline -Os": (202, 200, 0, 87, 0),
        "pic -O0": (201, 199, 0, 0, 0), "pic -O2": (286, 283, 1, 30, 0), "pic -Os": (202, 200, 0, 87, 0),
    ]
    /// literal_pool.c's two sites.
    static let undecodable = 2

    @Test func everyConfigurationInBothLinks() {
        #expect(Self.result.failures.isEmpty, "\(Self.result.failures.map(\.line))")
        #expect(Self.result.configs.count == CorpusFixture.directConfigurations.count * 2)
        #expect(Self.result.configs.allSatisfy { $0.form == .direct })
        #expect(Self.result.byForm?[.direct] != nil)
    }

    @Test(arguments: CorpusFixture.directConfigurations)
    func everyAnnotatedSiteFoundOrExplained(_ configuration: BuildConfiguration) throws {
        let want = try #require(Self.expected["\(configuration.variant) \(configuration.opt)"])
        for link in LinkForm.allCases {
            let c = try #require(Self.result.configs.first { $0.configuration == configuration && $0.link == link })
            for policy in [Policy.decoded, .dataflow] {
                let at = "\(c.name) \(policy)"
                let n = try #require(c.policies[policy])
                #expect(n.annotated == want.annotated, "\(at)")
                #expect(n.found == want.found, "\(at)")
                #expect(n.misplaced == 0 && n.merged == 0, "\(at)")
                #expect(n.missedCopiesDiffer == want.missedCopies, "\(at)")
                #expect(n.causes[.undecodable] == Self.undecodable && n.realMissed == Self.undecodable, "\(at)")
                let unannotated = policy == .dataflow ? 1 : want.unannotated
                #expect(n.spuriousCopiesDiffer == want.spuriousCopies, "\(at)")
                #expect(n.spurious == want.spuriousCopies + unannotated && n.spuriousUnannotatedCall == unannotated, "\(at)")
                // Every miss named: the keys the gate keeps carry a cause.
                let keys = try #require(c.keys[policy])
                #expect(keys.missed.count == want.missedCopies + Self.undecodable, "\(at)")
                #expect(keys.missed.allSatisfy { $0.cause == .copiesDiffer || $0.cause == .undecodable && $0.key.description.contains("literal_pool.c") }, "\(at)")
                #expect(keys.spurious.allSatisfy { $0.cause == .copiesDiffer || $0.cause == .unannotatedCall && $0.key.description.contains("raw_ops_call.c") }, "\(at)")
            }
            // The control is the annotated build's own: as in the plain form.
            #expect(c.control.found == c.control.annotated, "\(c.name)")
            #expect(c.textBytes.direct != nil && c.textBytes.plain == 0, "\(c.name): only the direct build was made")
        }
    }

    /// The objection the direct form answers: nothing hidden by CSE,
    /// hoisting, thunks or the GOT; the patch is 5 bytes, the clobbers the
    /// C ABI's.
    @Test func bottomLine() throws {
        let o = try #require(Self.result.objections.first { $0.number == 6 })
        let objects = Self.result.configs.filter { $0.link == .object }
        let decoded = objects.reduce(Counts()) { $0 + ($1.policies[.decoded] ?? Counts()) }
        #expect(o.figures["found_decoded"] == decoded.found)
        #expect(o.figures["direct_hidden_missed"] == 0)
        #expect(o.figures["missed_decoded"] == Self.undecodable * CorpusFixture.directConfigurations.count)
        #expect(o.figures["size_mismatched"] == decoded.sizeMismatched && decoded.sizeMismatched > 0)
        #expect(o.answer.contains("5-byte direct call"))
    }
}
