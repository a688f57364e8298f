import ELF
import Records
import RelocSites
import TestSupport
import Testing

/// Refused sites by reason, exact, on the `Shapes` fixture.
@Suite("Refusals")
struct RefusalTests {
    static func object() throws -> ObjectFile {
        try ObjectFile(path: try Fixtures.compile(Shapes.source, name: "records-shapes", flags: ["-g"],
                                                  language: "assembler-with-cpp"))
    }

    static func run(_ policy: Policy, decodeSites: Bool? = nil, check: Bool = false) throws -> RecordsRun {
        try RecordsRun(file: try object(), options: .init(policy: policy, decodeSites: decodeSites, check: check))
    }

    @Test func decoded() throws {
        let r = try Self.run(.decoded)
        #expect(r.siteCount == 3)
        #expect(r.set.records.map(\.location) == ["ok_call+0x0"])
        #expect(r.set.refusedCounts == [.tailCall: 1, .jumpTargetInside: 1])
        #expect(r.set.refusals.first { $0.reason == .jumpTargetInside }?.location == "into_call+0x4")
    }

    @Test func dataflow() throws {
        let r = try Self.run(.dataflow)
        #expect(r.siteCount == 5)
        #expect(r.set.records.map(\.location) == ["ok_call+0x0"])
        #expect(r.set.refusedCounts == [.tailCall: 1, .jumpTargetInside: 1, .tooShort: 1, .sharedByOps: 1])
        #expect(r.set.refusals.first { $0.reason == .sharedByOps }?.location == "merged+0x14")
    }

    /// Naive taken literally decodes nothing: every guess but the one a
    /// jump lands in becomes a record.
    @Test func naiveLiteral() throws {
        let r = try Self.run(.naive)
        #expect(r.siteCount == 7)
        #expect(r.set.records.count == 6)
        #expect(r.set.refusedCounts == [.jumpTargetInside: 1])
    }

    /// Naive with its sites decoded: what `patchable` counts.
    @Test func naiveDecoded() throws {
        let r = try Self.run(.naive, decodeSites: true)
        #expect(r.set.records.map(\.location) == ["ok_call+0x0"])
        #expect(r.set.refusedCounts == [.tailCall: 1, .jumpTargetInside: 1, .midInstruction: 3, .notACall: 1])
        let file = try Self.object()
        let scans = try RelocScan.scan(file: file, options: RelocOptions(sourcePositions: false), policies: Policy.allCases)
        #expect(try Patchable.counts(file: file, scans: scans) == [.naive: 1, .decoded: 1, .dataflow: 1])
        #expect(try Patchable.count(file: file, scan: scans[1]) == 1)
    }

    /// The simulator on naive's literal records names each broken one;
    /// the places and instructions are `objdump -d`'s (Shapes).
    @Test func simulatorNamesNaivesGuesses() throws {
        let r = try Self.run(.naive, check: true)
        let check = try #require(r.check)
        #expect(check.passed == 1 && check.failed == 5)
        #expect(check.failures.map { "\($0.location) \($0.reason)" } == [
            "tail+0x0 tail-call", "via_reg+0x1 mid-instruction", "movl_only+0x0 not-a-call",
            "merged+0x5 mid-instruction", "merged+0xe mid-instruction",
        ])
    }
}
