import ELF
import Pipeline
import Reports
import Compare
import Foundation
import Study
import TestSupport
import Testing

/// The study on the fixture slice of the corpus.
@Suite("Study", .serialized)
struct StudyRunTests {
    static let result: StudyResult = {
        let runner = StudyRunner(corpus: CorpusFixture.corpus, cacheDirectory: CorpusFixture.cacheDirectory)
        do { return try runner.run(CorpusFixture.configurations) } catch { fatalError("\(error)") }
    }()

    static func config(_ variant: String, _ opt: String, _ link: String = "object") throws -> ConfigResult {
        try #require(result.configs.first { $0.variant == variant && $0.opt == opt && $0.link == link })
    }

    @Test func noFailures() {
        #expect(Self.result.failures.isEmpty, "\(Self.result.failures.map(\.line))")
        #expect(Self.result.configs.count == CorpusFixture.configurations.count * 2)
    }

    /// The control: the scan on the annotated build finds every site; the
    /// only length differences are asm sites with register saves inside.
    @Test func controlFindsEverything() {
        for c in Self.result.configs {
            #expect(c.control.missed == 0, "\(c.name)")
            #expect(c.control.spurious == 0, "\(c.name)")
            #expect(c.control.sizeMismatched == c.controlSizeMismatchedAsm, "\(c.name)")
        }
    }

    /// What decoded misses, dataflow recovers, as size-mismatched sites.
    @Test(arguments: ["-O0", "-O2"])
    func dataflowRecoversWhatDecodedMisses(opt: String) throws {
        for variant in ["kernel", "retpoline", "pic", "ro-ops"] {
            let c = try Self.config(variant, opt)
            let decoded = try #require(c.policies["decoded"]), dataflow = try #require(c.policies["dataflow"])
            #expect(dataflow.realMissed <= decoded.realMissed, "\(c.name)")
            #expect(dataflow.found >= decoded.found, "\(c.name)")
            if decoded.realMissed > 20 {
                #expect(dataflow.sizeMismatched > decoded.sizeMismatched, "\(c.name)")
            }
        }
        let o0 = try Self.config("kernel", "-O0")
        #expect(try #require(o0.policies["decoded"]).realMissed > 100)
    }

    @Test func objectionsAnswered() {
        #expect(Self.result.objections.map(\.number) == [1, 2, 3, 4, 5])
        for o in Self.result.objections { #expect(o.answer.contains { $0.isNumber }) }
    }

    @Test func textReportFitsMail() {
        let text = StudyTextReport(Self.result).render()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            #expect(line.count <= 72, "\(line)")
            #expect(line.unicodeScalars.allSatisfy { $0.isASCII }, "\(line)")
        }
        #expect(text.contains("variant kernel, objects"))
        #expect(text.contains("The five objections"))
    }

    @Test func jsonContract() throws {
        let json = try JSONOutput.encode(Self.result)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? Int == 1)
        let summary = try #require(object["summary"] as? [String: Any])
        for key in ["annotated", "matched", "missed", "spurious", "size_mismatched", "kind_mismatched", "clobber_unsafe"] {
            #expect(summary[key] is Int, "summary.\(key)")
        }
        let configs = try #require(object["configs"] as? [[String: Any]])
        let first = try #require(configs.first)
        for key in ["compiler", "variant", "opt", "link", "text_bytes", "policies", "control"] {
            #expect(first[key] != nil, "configs[].\(key)")
        }
        let policies = try #require(first["policies"] as? [String: Any])
        #expect(Set(policies.keys) == ["naive", "decoded", "dataflow"])
        // Round trip.
        let back = try JSONDecoder().decode(StudyResult.self, from: Data(json.utf8))
        #expect(back.summary == Self.result.summary)
    }
}

/// Verdicts that must not depend on the link form or on where gcc put the
/// code: an image gives the verdicts its objects give, and a call that
/// loads of several ops reach is credited to none of them.
@Suite("Study verdicts", .serialized)
struct StudyVerdictTests {
    static var result: StudyResult { StudyRunTests.result }

    static func keys(_ c: ConfigResult, _ policy: String) -> [String] {
        (c.keys[policy]?.missed ?? []).map { "\($0.key) \($0.cause?.rawValue ?? "-")" }.sorted()
    }

    /// Per key, the objects and the linked image of every variant at -O2
    /// and -Os miss the same sites for the same causes. The one exception is
    /// the linker's: under -fPIC it relaxes GOT loads of the table's address
    /// to `lea`, so a miss the objects blame on the GOT load the image
    /// blames on the base register, and only where the image says it
    /// relaxed GOT loads.
    @Test(arguments: ["-O2", "-Os"])
    func objectsAndImagesAgree(opt: String) throws {
        for variant in ["kernel", "retpoline", "pic", "ro-ops", "abs"] {
            let object = try StudyRunTests.config(variant, opt), linked = try StudyRunTests.config(variant, opt, "linked")
            for policy in ["naive", "decoded", "dataflow"] {
                let o = Self.keys(object, policy)
                let l = Self.keys(linked, policy)
                if linked.references.relaxed > 0 {
                    let same = { (list: [String]) in list.map { $0.replacingOccurrences(of: " got-load", with: " base-register") } }
                    #expect(same(o) == same(l), "\(variant) \(opt) \(policy)")
                } else {
                    #expect(o == l, "\(variant) \(opt) \(policy)")
                }
            }
        }
    }

    /// switch_dispatch.c's control_reg_op: gcc 12 -Os with retpolines
    /// tail-merges four switch arms, so loads of irq_disable... (fields
    /// 0x80, 0x90, 0x170, 0x180) all reach one `jmp
    /// __x86_indirect_thunk_rax` (objdump -dr: `mov paravirt_ops+0x7c`,
    /// `+0x16c`, `+0x17c`, `+0x8c`, each followed by a jmp to the one
    /// thunk jump). That call is one `merged` outcome listing the four ops,
    /// and each op's annotated site in the function is missed with cause
    /// `merged`; none is credited as found.
    @Test func mergedCallIsNobodys() throws {
        let a = try #require(CorpusFixture.object("src/switch_dispatch.c", "retpoline", "-Os", .annotated))
        let p = try #require(CorpusFixture.object("src/switch_dispatch.c", "retpoline", "-Os", .plain))
        let analysis = try Analysis(annotated: try ObjectFile(path: a), plain: try ObjectFile(path: p))
        let c = try #require(analysis.comparisons[.dataflow])
        let merged = c.outcomes.filter { $0.kind == .merged }.compactMap(\.found)
        let four = try #require(merged.first { $0.location.hasPrefix("control_reg_op+") && $0.kind == .thunkJmp })
        #expect(four.mergedOps.map(\.offset) == [0x80, 0x90, 0x170, 0x180])
        #expect(four.mergedOrigins.count == 4)
        for op in four.mergedOps {
            let verdicts = c.outcomes.filter { $0.annotated?.op.offset == op.offset
                && $0.annotated?.location.hasPrefix("control_reg_op+") == true }
            #expect(!verdicts.isEmpty && verdicts.allSatisfy { $0.kind == .missed && $0.cause == .merged }, "\(op)")
        }
        // Never credited: no found outcome pairs with a merged call.
        #expect(!c.outcomes.contains { $0.annotated != nil && $0.found?.isMerged == true })
    }
}
