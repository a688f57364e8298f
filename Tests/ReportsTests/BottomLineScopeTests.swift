import Compare
@testable import Pipeline
@testable import Reports
@testable import Study
import Testing

/// The bottom line's direct column takes the direct form of the row's own
/// configuration and scope: a whole tree's row never shows its subset's
/// direct count (6.12 with the direct form built for the subset only
/// showed 1770 of 3456 on the tree row).
@Suite("Bottom line, direct column by scope")
struct BottomLineScopeTests {
    @Test func aTreeRowHasNoDirectCountWhereOnlyTheSubsetHasTheDirectForm() throws {
        let study = LinuxResultsReportTests.kernelStudy("6.1", scopes: [.subset, .tree], date: "2026-12-01T10:00:00Z")
        var direct = try #require(study.configs.first { $0.scope == .subset && $0.opt == "-O2" && $0.retpoline == .off })
        direct.form = .direct
        var withDirect = study.configs
        withDirect.append(direct)
        let line = BottomLine(corpus: [], linux: withDirect, compiler: "gcc", version: "gcc 12.2.0", variants: [])
        let d = try #require(line.columns.firstIndex { $0.form == .direct })
        // The whole tree's rows stand for the kernel; the subset's direct
        // form is no count of theirs.
        let tree = try #require(line.rows.first { $0.label.hasSuffix("-O2 tree") }, "\(line.rows.map(\.label))")
        #expect(tree.found[d] == nil, "the tree row took the subset's direct form: \(tree.found)")
        // Given the tree's own direct form, the row shows it.
        var treeDirect = try #require(study.configs.first { $0.scope == .tree && $0.opt == "-O2" && $0.retpoline == .off })
        treeDirect.form = .direct
        let both = BottomLine(corpus: [], linux: withDirect + [treeDirect], compiler: "gcc", version: "gcc 12.2.0", variants: [])
        let row = try #require(both.rows.first { $0.label.hasSuffix("-O2 tree") })
        #expect(row.found[d] == (treeDirect.policies[.decoded]?.bySource?[.c] ?? treeDirect.policies[.decoded])?.found)
    }
}
