import Compare
import CorpusBuild
import Foundation
import RelocSites
import SiteModel
import Reports
import Study
import TestSupport
import Testing
import Pipeline

/// docs/causes.md and the tool in step: each `pvsites-example` block of the
/// page is the example the study makes for that outcome or cause, policy,
/// configuration and corpus file, rendered as the text report renders it;
/// and every cause and every outcome but matched, missed and spurious has
/// one, so each is produced by at least one corpus file. Re-record the
/// page's blocks with `PVSITES_RECORD_GOLDEN=1 swift test --filter CausesDocTests`.
@Suite("docs/causes.md", .serialized)
struct CausesDocTests {
    static let page = Fixtures.repositoryRoot + "/docs/causes.md"

    /// `<!-- pvsites-example cause=C policy=P config="gcc kernel -O2" file=F -->`
    struct Marker: Hashable {
        let outcome: OutcomeKind?
        let cause: Cause?
        let policy: Policy
        let configuration: BuildConfiguration
        let file: String
        /// Lines of the page: the marker's, and the end marker's.
        let line: Int
        let end: Int
    }

    static func markers(_ text: String) throws -> [Marker] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var out: [Marker] = []
        for (i, l) in lines.enumerated() where l.hasPrefix("<!-- pvsites-example ") {
            var fields: [String: String] = [:]
            let body = l.dropFirst("<!-- pvsites-example ".count).dropLast(" -->".count)
            let pattern = /(\w+)=("([^"]*)"|(\S+))/
            for m in body.matches(of: pattern) { fields[String(m.1)] = String(m.3 ?? m.4 ?? "") }
            let config = (fields["config"] ?? "").split(separator: " ").map(String.init)
            let end = try #require(lines[i...].firstIndex { $0 == "<!-- end pvsites-example -->" }, "line \(i + 1)")
            try #require(config.count == 3, "line \(i + 1): config=\"COMPILER VARIANT OPT\"")
            out.append(Marker(outcome: fields["outcome"].flatMap(OutcomeKind.init(rawValue:)),
                              cause: fields["cause"].flatMap(Cause.init(rawValue:)),
                              policy: try #require(fields["policy"].flatMap(Policy.init(rawValue:)), "line \(i + 1)"),
                              configuration: BuildConfiguration(compiler: config[0], variant: config[1], opt: config[2]),
                              file: try #require(fields["file"], "line \(i + 1)"), line: i, end: end))
        }
        return out
    }

    /// The example the study makes for the marker, as the text report shows it.
    static func example(_ m: Marker) throws -> [String] {
        let build = CorpusFixture.build
        let a = try #require(build.find(m.configuration, .annotated)?.objects.first { $0.source.hasSuffix("/" + m.file) },
                             "\(m.configuration): no annotated \(m.file) in the fixture slice")
        let p = try #require(build.find(m.configuration, .plain)?.objects.first { $0.source == a.source })
        let unit = StudyUnit(configuration: m.configuration, link: .object,
                             // Named as the study names it.
                             pairs: [ObjectPair(annotated: a.path, plain: p.path,
                                                name: StudyRunner.pairName(source: a.source))])
        // Op names as the study borrows them: from any plain build whose
        // DWARF names the table (under -fPIC a GOT load names no field).
        let kernel = BuildConfiguration(compiler: m.configuration.compiler, variant: "kernel", opt: "-O2")
        let names = OpNames.firstNaming(paths: [m.configuration, kernel].flatMap {
            build.find($0, .plain)?.objects.map(\.path) ?? []
        })
        let measured = StudyMeasurement.run([unit], names: names, examplesPerCause: 1)
        let e = try #require(measured.examples.first { e in
            e.policy == m.policy && (m.outcome.map { e.outcome == $0 } ?? true) && (m.cause.map { e.cause == $0 } ?? true)
        }, "\(m.file) \(m.configuration): no \(m.outcome?.rawValue ?? "") \(m.cause?.rawValue ?? "") example under \(m.policy)")
        return StudyTextReport.exampleLines(e)
    }

    @Test func examplesAreWhatTheToolPrints() throws {
        let text = try String(contentsOfFile: Self.page, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let markers = try Self.markers(text)
        #expect(!markers.isEmpty)
        let recording = ProcessInfo.processInfo.environment["PVSITES_RECORD_GOLDEN"] == "1"
        // From the last, so that earlier line numbers stay valid when recording.
        for m in markers.reversed() {
            let expected = try Self.example(m)
            let fence = try #require(lines[m.line ..< m.end].firstIndex { $0.hasPrefix("```") }, "line \(m.line + 1): no ``` block")
            let close = try #require(lines[(fence + 1) ..< m.end].firstIndex { $0.hasPrefix("```") }, "line \(fence + 1): unclosed")
            let have = Array(lines[(fence + 1) ..< close])
            if recording {
                lines.replaceSubrange((fence + 1) ..< close, with: expected)
            } else {
                #expect(have == expected, """
                    docs/causes.md line \(m.line + 1) (\(m.file), \(m.configuration)): the page says
                    \(have.joined(separator: "\n"))
                    the tool prints
                    \(expected.joined(separator: "\n"))
                    re-record with PVSITES_RECORD_GOLDEN=1 swift test --filter CausesDocTests
                    """)
            }
        }
        if recording { try lines.joined(separator: "\n").write(toFile: Self.page, atomically: true, encoding: .utf8) }
    }

    /// Every cause, and every outcome that is not plain matched / missed /
    /// spurious, has a generated example: a corpus file produces it.
    @Test func everyCauseHasAnExampleFromTheCorpus() throws {
        let markers = try Self.markers(try String(contentsOfFile: Self.page, encoding: .utf8))
        let causes = Set(markers.compactMap(\.cause))
        for c in Cause.allCases { #expect(causes.contains(c), "no example of cause \(c.rawValue) in docs/causes.md") }
        let outcomes = Set(markers.compactMap(\.outcome))
        for o in OutcomeKind.allCases where ![.matched, .missed, .spurious].contains(o) {
            #expect(outcomes.contains(o), "no example of outcome \(o.rawValue) in docs/causes.md")
        }
    }
}
