import Compare
import CorpusBuild
import ELF
import Foundation
import Pipeline
import Records
import RelocSites
import SiteModel
import TestSupport
import Testing

/// The study's `patchable` (beside `found`) on corpus objects, checked
/// against `objdump -d` of the plain objects: a found site is patchable when
/// objdump starts a `call` (not a jump) of exactly the site's length, at
/// least 5 bytes, at its address, and no jump or call objdump shows lands
/// strictly inside it; and against the records the records command makes
/// (`patchable` counts the found sites among them, `records` every site).
@Suite("Patchable beside found, on corpus objects")
struct PatchableCountTests {
    static let configurations = [("kernel", "-O0"), ("kernel", "-O2"), ("kernel", "-Os"), ("retpoline", "-O2")]
        .map { CorpusFixture.configuration($0.0, $0.1) }

    /// The objects' pairs of one configuration, as the study pairs them.
    static func unit(_ cfg: BuildConfiguration) throws -> StudyUnit {
        let a = try #require(CorpusFixture.build.find(cfg, .annotated))
        let p = try #require(CorpusFixture.build.find(cfg, .plain))
        var plain: [String: String] = [:]
        for o in p.objects { plain[o.source] = o.path }
        let pairs = a.objects.compactMap { o in
            plain[o.source].map { ObjectPair(annotated: o.path, plain: $0, name: URL(fileURLWithPath: o.path).lastPathComponent) }
        }
        return StudyUnit(configuration: cfg, link: .object, pairs: pairs)
    }

    static let names: OpNames = OpNames.firstNaming(
        paths: CorpusFixture.build.find(CorpusFixture.configuration("kernel", "-O2"), .plain)?.objects.map(\.path) ?? [])

    /// Where objdump's direct jumps and calls land, per section.
    static func branchTargets(_ insns: [String: [UInt64: Tools.ObjdumpInstruction]]) -> [String: Set<UInt64>] {
        var out: [String: Set<UInt64>] = [:]
        for (section, list) in insns {
            for insn in list.values where insn.text.hasPrefix("j") || insn.text.hasPrefix("call") {
                // "jne    2b <f+0x2b>": the hex word after the mnemonic.
                let words = insn.text.split(separator: " ", omittingEmptySubsequences: true)
                if words.count >= 2, !words[1].hasPrefix("*"), let t = UInt64(words[1], radix: 16) {
                    out[section, default: []].insert(t)
                }
            }
        }
        return out
    }

    @Test(arguments: configurations)
    func patchableIsTheFoundWholeCallsObjdumpShows(_ cfg: BuildConfiguration) throws {
        let unit = try Self.unit(cfg)
        let measured = StudyMeasurement.run([unit], names: Self.names, examplesPerCause: 0)
        let policies = try #require(measured.configs.first?.policies)
        #expect(measured.failures.isEmpty)
        var expected: [Policy: Int] = [:], found: [Policy: Int] = [:], records: [Policy: Int] = [:]
        for pair in unit.pairs {
            let p = try ObjectFile(path: pair.plain)
            let analysis = try Analysis(annotated: try ObjectFile(path: pair.annotated), plain: p,
                                        options: .init(names: Self.names))
            let insns = try Tools.objdump(pair.plain)
            let targets = Self.branchTargets(insns)
            for policy in Policy.allCases {
                let sites = analysis.comparisons[policy]!.outcomes.filter(\.kind.isFound).compactMap(\.found)
                found[policy, default: 0] += sites.count
                expected[policy, default: 0] += sites.filter { s in
                    guard let insn = insns[s.section]?[s.address] else { return false }
                    let inside = (s.address + 1 ..< s.address + UInt64(s.length))
                    return insn.text.hasPrefix("call") && insn.bytes.count == s.length && s.length >= 5
                        && !(targets[s.section] ?? []).contains { inside.contains($0) }
                }.count
                // The records command's records (decoding on, as for the study).
                let run = try RecordsRun(file: p, options: .init(policy: policy, sites: .scan, decodeSites: true))
                records[policy, default: 0] += run.set.records.count
            }
        }
        for policy in Policy.allCases {
            let c = try #require(policies[policy])
            #expect(c.found == found[policy], "\(cfg) \(policy)")
            #expect(c.patchable == expected[policy], "\(cfg) \(policy): objdump says \(expected[policy] ?? 0)")
            #expect((c.patchable ?? 0) <= records[policy]!, "\(cfg) \(policy): records \(records[policy]!)")
        }
    }

    /// Exact numbers at kernel -O0 (checked with objdump -dr -w of the 32
    /// plain objects: 15 `ff 15` calls with a PC32 relocation against
    /// paravirt_ops, all in the hand-written entry_64.S and switch_64.S, 3
    /// `ff 25` tail jumps, 185 two-byte `call *%reg`, 9 of them in
    /// hoisted_site.c and outline_copies.c, 1 in merged_arms.c's
    /// out-of-line arch_local_irq_enable, 3 in tail_then_cold.c's
    /// wrappers): dataflow finds 191 of the 201
    /// sites, mostly as the 2-byte `call *%rax` after a load of the op,
    /// which no record can cover; the 15 six-byte calls are patchable.
    @Test func kernelO0DataflowFindsMoreThanItCanPatch() throws {
        let measured = StudyMeasurement.run([try Self.unit(CorpusFixture.configuration("kernel", "-O0"))],
                                            names: Self.names, examplesPerCause: 0)
        let c = try #require(measured.configs.first?.policies[.dataflow])
        #expect(c.found == 191)
        #expect(c.patchable == 15)
    }
}
