import Compare
import Foundation
@testable import Pipeline
@testable import Study
import Testing

/// Which Linux results lead a study (`LinuxResult.choose`), and the check
/// of a rebuild against a recorded result (`RecordedCheck`).
@Suite struct LinuxResultChoiceTests {
    static func result(_ version: String, _ compiler: String, date: String, found: Int = 10, recorded: Bool) -> LinuxResult {
        LinuxResult(source: "\(version)-\(compiler)-\(date)", result: study(version, compiler, date: date, found: found),
                    recorded: recorded)
    }

    static func study(_ version: String, _ compiler: String, date: String, found: Int = 10) -> StudyResult {
        var counts = Counts()
        counts.annotated = 12
        counts.matched = found
        counts.missed = 12 - found
        var c = ConfigResult(compiler: compiler, variant: "linux-\(version)-retpoline-on", opt: "-O2", link: .object,
                             textBytes: .init(annotated: 1, plain: 1), policies: [.decoded: counts, .dataflow: counts],
                             control: counts, controlSizeMismatchedAsm: 0,
                             references: .init(total: 0, byUse: [:], confirmedBySweep: 0, viaGOT: 0, relaxed: 0),
                             clobbers: .init(annotatedC: 0, annotatedAsm: 0, narrowC: 0, narrowAsm: 0), keys: [:])
        c.kernel = version
        c.retpoline = .on
        c.scope = .tree
        var r = StudyResult(corpus: "the Linux \(version) A/B", compilers: [compiler: compiler], skipped: [],
                            configs: [c], examples: [], failures: [])
        r.tool = StudyResult.Tool(version: "t", command: "pvsites kernel study", date: date)
        return r
    }

    @Test func recordedWithoutLocal() {
        let r = [Self.result("6.1", "gcc", date: "2026-12-01T00:00:00Z", recorded: true),
                 Self.result("6.1", "clang-14", date: "2026-12-01T00:00:00Z", recorded: true)]
        #expect(LinuxResult.choose(recorded: r, local: []).map(\.source) == [r[1].source, r[0].source])
    }

    @Test func newerLocalReplacesRecordedOfTheSameVersionAndCompiler() {
        let gcc = Self.result("6.1", "gcc", date: "2026-12-01T00:00:00Z", recorded: true)
        let clang = Self.result("6.1", "clang-14", date: "2026-12-01T00:00:00Z", recorded: true)
        let newer = Self.result("6.1", "gcc", date: "2026-12-03T00:00:00Z", recorded: false)
        let chosen = LinuxResult.choose(recorded: [gcc, clang], local: [newer])
        #expect(chosen.map(\.source) == [clang.source, newer.source])
        #expect(chosen.map(\.recorded) == [true, false])
    }

    @Test func olderOrSameLocalLeavesTheRecorded() {
        let gcc = Self.result("6.1", "gcc", date: "2026-12-01T00:00:00Z", recorded: true)
        for date in ["2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z"] {
            let local = Self.result("6.1", "gcc", date: date, recorded: false)
            #expect(LinuxResult.choose(recorded: [gcc], local: [local]).map(\.source) == [gcc.source], "\(date)")
        }
    }

    @Test func localOfAnotherVersionIsKeptBeside() {
        let gcc = Self.result("6.12", "gcc", date: "2026-12-01T00:00:00Z", recorded: true)
        let local = Self.result("6.1", "gcc", date: "2026-11-01T00:00:00Z", recorded: false)
        #expect(LinuxResult.choose(recorded: [gcc], local: [local]).map(\.version) == ["6.1", "6.12"])
        #expect(LinuxResult.choose(recorded: [], local: []).isEmpty)
    }

    @Test func recordedCheckPassesOnEqualCountsAndNamesEachDifference() {
        let recorded = Self.study("6.1", "gcc", date: "2026-12-01T00:00:00Z", found: 10)
        let same = RecordedCheck(recorded: recorded, measured: Self.study("6.1", "gcc", date: "2026-12-02T00:00:00Z", found: 10))
        #expect(same.passed)
        #expect(same.compared == 1)
        let other = RecordedCheck(recorded: recorded, measured: Self.study("6.1", "gcc", date: "2026-12-02T00:00:00Z", found: 9))
        #expect(!other.passed)
        // found, matched and missed, in decoded, dataflow and the control.
        #expect(other.differences.count == 9)
        #expect(other.differences.contains("6.1 gcc -O2 retpoline on object plain tree, dataflow: found 10 -> 9"))
        let elsewhere = RecordedCheck(recorded: recorded, measured: Self.study("6.12", "gcc", date: "2026-12-02T00:00:00Z"))
        #expect(!elsewhere.passed)
        #expect(elsewhere.compared == 0)
        #expect(elsewhere.notMeasured == ["6.1 gcc -O2 retpoline on object plain tree"])
        #expect(elsewhere.notRecorded == ["6.12 gcc -O2 retpoline on object plain tree"])
    }

    /// With `--full`, the subset's pairs are in the tree's too: totals
    /// and objections count the tree and vmlinux, not the subset again.
    @Test func totalsLeaveOutTheSubsetWhereTheTreeIsMeasured() {
        let tree = Self.study("6.1", "gcc", date: "d", found: 10).configs[0]
        var subset = tree
        subset.scope = .subset
        var vmlinux = tree
        vmlinux.scope = .vmlinux
        let all = StudyResult(corpus: "k", compilers: [:], skipped: [], configs: [subset, tree, vmlinux], examples: [], failures: [])
        #expect(StudyResult.counted(all.configs).map(\.scope) == [.tree, .vmlinux])
        #expect(all.summary.counts.annotated == 24)
        let alone = StudyResult(corpus: "k", compilers: [:], skipped: [], configs: [subset], examples: [], failures: [])
        #expect(alone.summary.counts.annotated == 12, "a subset without a tree counts")
    }
}
