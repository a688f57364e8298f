import SiteModel
import Reports
import CorpusBuild
import Foundation
import RelocSites
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import Gate
@testable import Study
import TestSupport
import Testing
import Pipeline

/// The study run once per test process on a small slice of the corpus
/// (gcc, kernel and retpoline, -O0 and -O2, object and linked, plain and
/// direct form), its JSON,
/// and the built `pvsites` binary for the end-to-end cases.
enum GateFixture {
    static let variants = ["kernel", "retpoline"]
    static let opts = ["-O0", "-O2"]

    private static let measured: Result<StudyResult, any Error> = Result {
        let corpus = try Corpus(directory: Fixtures.corpusDirectory)
        let configs = corpus.configurations(compilers: ["gcc"], variants: variants, opts: opts)
        return try StudyRunner(corpus: corpus, cacheDirectory: Fixtures.cacheDirectory + "/corpus").run(configs)
    }

    static func result() throws -> StudyResult {
        let r = try measured.get()
        try #require(r.failures.isEmpty, "\(r.failures.map(\.line))")
        try #require(r.configs.count == variants.count * opts.count * 2 * Form.allCases.count)
        return r
    }

    static func isSelected(_ c: BuildConfiguration) -> Bool {
        c.compiler == "gcc" && variants.contains(c.variant) && opts.contains(c.opt)
    }

    /// The study JSON as plain objects, to edit the way a different run
    /// would have come out.
    static func resultsObject() throws -> [String: Any] {
        let data = Data(try JSONOutput.encode(try result()).utf8)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func writeResults(_ path: String, edit: (inout [String: Any]) throws -> Void = { _ in }) throws {
        var object = try resultsObject()
        try edit(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }

    /// Edit every config object of a study JSON.
    static func editConfigs(_ object: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var configs = object["configs"] as! [[String: Any]]
        for i in configs.indices { edit(&configs[i]) }
        object["configs"] = configs
    }

    /// `clang-16` listed as not installed, as a machine without it reports.
    static func skipClang16(_ object: inout [String: Any]) {
        var skipped = object["skipped"] as? [[String: Any]] ?? []
        if !skipped.contains(where: { $0["compiler"] as? String == "clang-16" }) {
            skipped.append(["compiler": "clang-16", "reason": "clang-16 is not installed"])
        }
        object["skipped"] = skipped
    }

    static let clang16Skip = SkippedCompiler(compiler: "clang-16", reason: "clang-16 is not installed")

    static func gate(_ arguments: [String]) throws -> CommandResult {
        try #require(Fixtures.pvsitesIsBuilt, Fixtures.pvsitesMissing)
        let pvsites = Fixtures.pvsitesBinary
        return try Command.run([pvsites, "gate"] + arguments)
    }
}

/// A directory of its own for one test, removed afterwards.
final class Scratch {
    let path: String

    init(_ name: String) throws {
        path = Fixtures.scratchPath("gate-" + name)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: file(name), atomically: false, encoding: .utf8)
        return file(name)
    }

    func contents(_ name: String) -> Data? { FileManager.default.contents(atPath: file(name)) }

    func temporaries(of name: String) -> [String] {
        let prefix = GateAtomicFile.temporaryPrefix(for: name)
        return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).filter { $0.hasPrefix(prefix) }
    }
}

@Suite("Gate")
struct GateTests {
    // MARK: The baseline file

    @Test func baselineIsStableSortedJSONWithASchema() throws {
        let result = try GateFixture.result()
        let baseline = GateBaseline(result)
        let text = baseline.render()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["schema"] as? Int == GateBaseline.currentSchema)
        // Same baseline, same bytes, whatever order the study listed things in.
        let back = try GateBaseline.decode(Data(text.utf8), path: "baseline.json")
        #expect(back == baseline)
        #expect(back.render() == text)
        var shuffled = GateBaseline(compilers: baseline.compilers, configs: baseline.configs.reversed())
        for i in shuffled.configs.indices {
            for p in shuffled.configs[i].policies.keys {
                shuffled.configs[i].policies[p]!.missed.reverse()
                shuffled.configs[i].policies[p]!.spurious.reverse()
            }
        }
        #expect(shuffled.render() == text)
        // Configurations sorted, site keys sorted, one per line, keys of
        // every object in order.
        let ids = back.configs.map(\.id)
        #expect(ids == ids.sorted())
        for c in back.configs {
            #expect(Set(c.policies.keys) == Set(Policy.allCases))
            for p in c.policies.values { #expect(p.missed == p.missed.sorted() && p.spurious == p.spurious.sorted()) }
        }
        var lastKeyAtIndent: [Int: String] = [:]
        for line in text.split(separator: "\n") {
            let indent = line.prefix { $0 == " " }.count
            let rest = line.dropFirst(indent)
            if rest.hasPrefix("}") || rest.hasPrefix("]") { lastKeyAtIndent[indent + 2] = nil; continue }
            guard rest.hasPrefix("\""), let end = rest.dropFirst().firstIndex(of: "\"") else { continue }
            let key = String(rest[rest.index(after: rest.startIndex) ..< end])
            if let previous = lastKeyAtIndent[indent] { #expect(previous < key, "\(previous) before \(key)") }
            lastKeyAtIndent[indent] = key
        }
        let entry = try #require(text.split(separator: "\n").first { $0.contains("\"key\": ") })
        #expect(entry.hasPrefix("            {") && (entry.hasSuffix("}") || entry.hasSuffix("},")))
        // The gate's coverage is the study's.
        for c in result.configs {
            for (_, counts) in c.policies { #expect(GateCounts(counts).coverage == counts.found) }
        }
    }

    static let committedBaseline = Fixtures.corpusDirectory + "/baseline.json"

    /// The committed baseline is what `--update` writes and covers the
    /// whole gcc matrix, in every form.
    @Test func committedBaselineIsCompleteAndCanonical() throws {
        let path = Self.committedBaseline
        let baseline = try GateBaseline.load(path: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == baseline.render())
        let corpus = try Corpus(directory: Fixtures.corpusDirectory)
        #expect(corpus.forms == [.plain, .direct])
        for cfg in corpus.configurations(compilers: ["gcc"]) {
            for link in corpus.config.links {
                for form in corpus.forms {
                    let id = ConfigID(compiler: cfg.compiler, variant: cfg.variant, opt: cfg.opt, link: link,
                                                   form: form)
                    #expect(baseline.find(id) != nil, "\(id) not in \(path)")
                }
            }
        }
    }

    /// The direct form is keyed apart: its entries say `"form": "direct"`,
    /// the plain ones say nothing (a baseline from before the direct form
    /// reads as plain), and a direct config missing from the measured run
    /// is a regression of that config alone.
    @Test func directFormKeyedApart() throws {
        let result = try GateFixture.result()
        let baseline = GateBaseline(result)
        let direct = baseline.configs.filter { $0.form == .direct }
        #expect(direct.count == baseline.configs.count / 2)
        #expect(baseline.configs.filter { $0.form == nil }.count == direct.count)
        let text = baseline.render()
        #expect(text.components(separatedBy: "\"form\": \"direct\"").count - 1 == direct.count)
        #expect(!text.contains("\"form\": \"plain\""))
        let id = try #require(direct.first?.id)
        #expect(id.description.hasSuffix(" direct"))
        #expect(try GateBaseline.decode(Data(text.utf8), path: "b.json") == baseline)
        var less = baseline
        less.configs.removeAll { $0.id == id }
        let c = GateComparison(baseline: baseline, measured: less, isSelected: { c, _ in GateFixture.isSelected(c) })
        #expect(c.regressions.map(\.config).allSatisfy { $0 == id.description } && !c.regressions.isEmpty)
    }

    /// The gcc that recorded the baseline, and the one installed here.
    static let baselineGCC = (try? GateBaseline.load(path: committedBaseline))?.compilers["gcc"]
    static let installedGCC = Toolchain.version(of: "gcc")

    /// The slice measured here passes against the committed baseline. The
    /// counts are those of the gcc that recorded them; another gcc version
    /// compiles the corpus differently, so elsewhere this is skipped.
    @Test(.enabled(if: baselineGCC != nil && baselineGCC == installedGCC,
                   Comment(rawValue: "Corpus/baseline.json was recorded with \(baselineGCC ?? "no gcc"); "
                       + "this machine has \(installedGCC ?? "no gcc")")))
    func passesOnTheCommittedBaseline() throws {
        let path = Self.committedBaseline
        let baseline = try GateBaseline.load(path: path)
        let result = try GateFixture.result()
        #expect(result.compilers["gcc"] == baseline.compilers["gcc"])
        let c = GateComparison(baseline: baseline, measured: GateBaseline(result), skipped: result.skipped,
                               isSelected: { c, _ in GateFixture.isSelected(c) })
        #expect(c.passed, "\(GateReport.text(c, baseline: path, mode: .check))")
    }

    @Test func passesOnABaselineFromTheSameResults() throws {
        let result = try GateFixture.result()
        let c = GateComparison(baseline: GateBaseline(result), measured: GateBaseline(result), skipped: result.skipped)
        #expect(c.passed)
        #expect(c.improvements.isEmpty && c.changes.isEmpty && c.allowed.isEmpty)
        #expect(c.compared == result.configs.count * 3)

        let dir = try Scratch("same")
        let baseline = try dir.write("baseline.json", GateBaseline(result).render())
        try GateFixture.writeResults(dir.file("results.json"))
        let r = try GateFixture.gate(["--baseline", baseline, "--results", dir.file("results.json")])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.hasSuffix("\ngate: passed\n"))
        #expect(r.stdout.contains("compared \(result.configs.count * 3) results (config x policy) in \(result.configs.count) configurations"))
        #expect(r.stderr.isEmpty)
    }

    // MARK: Regressions

    /// A baseline that has one site as found which the study misses.
    static func expectingOneMoreSite(_ result: StudyResult, policy: Policy = .dataflow, sites: Int = 1)
        throws -> (GateBaseline, config: String, removed: [ConfigResult.KeyedOutcome], coverage: Int) {
        var baseline = GateBaseline(result)
        let i = try #require(baseline.configs.firstIndex { $0.policies[policy]!.missed.count >= sites })
        var entry = baseline.configs[i].policies[policy]!
        let removed = Array(entry.missed.prefix(sites))
        entry.missed.removeFirst(sites)
        entry.counts.values["matched", default: 0] += sites
        entry.counts.values["missed", default: 0] -= sites
        baseline.configs[i].policies[policy] = entry
        return (baseline, baseline.configs[i].id.description, removed, entry.counts.coverage)
    }

    @Test func failsWhenTheBaselineExpectsOneMoreSite() throws {
        let result = try GateFixture.result()
        let (baseline, name, removed, coverage) = try Self.expectingOneMoreSite(result)
        let site = try #require(removed.first)
        let c = GateComparison(baseline: baseline, measured: GateBaseline(result), skipped: result.skipped)
        #expect(c.regressions.map(\.kind) == [.coverageDropped, .missed])
        #expect(c.regressions.allSatisfy { $0.config == name && $0.policy == .dataflow })
        #expect(c.regressions.last?.key == site.key.description && c.regressions.last?.cause == site.cause?.rawValue)

        let dir = try Scratch("one-more")
        let path = try dir.write("baseline.json", baseline.render())
        try GateFixture.writeResults(dir.file("results.json"))
        let r = try GateFixture.gate(["--baseline", path, "--results", dir.file("results.json")])
        #expect(r.status == 1)
        let regressed = try #require(r.stdout.components(separatedBy: "\nregressed (2):\n").last)
        #expect(regressed.hasPrefix("""
              \(name), dataflow: coverage \(coverage) -> \(coverage - 1) (lost 1)
              \(name), dataflow: newly missed: \(site.key) (\(site.cause?.rawValue ?? ""))

            """))
        #expect(r.stdout.contains("\nchanged, not gated (1):\n  \(name), dataflow: matched "))
        #expect(r.stdout.hasSuffix("\ngate: FAILED: 2 regressions in 1 configuration\n"))
    }

    /// The study measured with decoded where the baseline has dataflow: every
    /// configuration where dataflow finds more fails, on that policy only.
    @Test func failsWhenTheStudyRunsAWeakerPolicy() throws {
        let result = try GateFixture.result()
        let baseline = GateBaseline(result)
        var weaker = baseline
        for i in weaker.configs.indices { weaker.configs[i].policies[.dataflow] = weaker.configs[i].policies[.decoded] }
        var expected: [String: String] = [:]
        for c in baseline.configs {
            let strong = c.policies[.dataflow]!.counts.coverage, weak = c.policies[.decoded]!.counts.coverage
            if weak < strong { expected[c.id.description] = "coverage \(strong) -> \(weak) (lost \(strong - weak))" }
        }
        // dataflow follows loads into registers and through retpoline thunks.
        try #require(expected.count >= 2)
        let c = GateComparison(baseline: baseline, measured: weaker, skipped: result.skipped)
        #expect(!c.passed)
        #expect(c.regressions.allSatisfy { $0.policy == .dataflow })
        let drops = c.regressions.filter { $0.kind == .coverageDropped }
        #expect(Dictionary(uniqueKeysWithValues: drops.map { ($0.config, $0.detail) }) == expected)
        // Each newly missed key is one decoded misses more often than dataflow.
        for f in c.regressions where f.kind == .missed {
            let cfg = try #require(baseline.configs.first { $0.id.description == f.config })
            let count = { (list: [ConfigResult.KeyedOutcome]) in list.filter { $0.key.description == f.key }.count }
            #expect(count(cfg.policies[.decoded]!.missed) > count(cfg.policies[.dataflow]!.missed))
        }

        let dir = try Scratch("weaker")
        let path = try dir.write("baseline.json", baseline.render())
        try GateFixture.writeResults(dir.file("results.json")) { object in
            GateFixture.editConfigs(&object) { config in
                var policies = config["policies"] as! [String: Any], keys = config["keys"] as! [String: Any]
                policies["dataflow"] = policies["decoded"]
                keys["dataflow"] = keys["decoded"]
                config["policies"] = policies
                config["keys"] = keys
            }
        }
        let r = try GateFixture.gate(["--baseline", path, "--results", dir.file("results.json")])
        #expect(r.status == 1)
        for (name, detail) in expected { #expect(r.stdout.contains("\n  \(name), dataflow: \(detail)\n")) }
        #expect(r.stdout.hasSuffix("\ngate: FAILED: \(c.regressions.count) regressions in \(expected.count) configurations\n"))
    }

    /// Two sites lost in one configuration: --allow-drop 2 lets it pass.
    @Test(arguments: [0, 1, 2, 3])
    func allowDrop(_ n: Int) throws {
        let result = try GateFixture.result()
        let (baseline, name, removed, _) = try Self.expectingOneMoreSite(result, policy: .decoded, sites: 2)
        let c = GateComparison(baseline: baseline, measured: GateBaseline(result), skipped: result.skipped, allowDrop: n)
        #expect(c.passed == (n >= 2))
        #expect((c.regressions + c.allowed).count == 3)
        #expect(Set((c.regressions + c.allowed).compactMap(\.key)) == Set(removed.map(\.key.description)))

        let dir = try Scratch("allow-\(n)")
        let path = try dir.write("baseline.json", baseline.render())
        try GateFixture.writeResults(dir.file("results.json"))
        let r = try GateFixture.gate(["--baseline", path, "--results", dir.file("results.json"), "--allow-drop", String(n)])
        #expect(r.status == (n >= 2 ? 0 : 1))
        if n >= 2 {
            #expect(r.stdout.contains("\nallowed by --allow-drop \(n) (3):\n  \(name), decoded: coverage "))
        } else {
            #expect(r.stdout.contains("\nregressed (3):\n  \(name), decoded: coverage "))
        }
    }

    /// A new spurious site fails whatever --allow-drop says.
    @Test func allowDropDoesNotCoverNewSpuriousSites() throws {
        let result = try GateFixture.result()
        let baseline = GateBaseline(result)
        var measured = baseline
        let extra = ConfigResult.KeyedOutcome(key: try #require(SiteKey("+0x30 @ spurious.c:1")), cause: .nonCall)
        measured.configs[0].policies[.naive]!.spurious.append(extra)
        let c = GateComparison(baseline: baseline, measured: measured, allowDrop: 100)
        #expect(c.regressions.map(\.kind) == [.spurious])
        #expect(c.regressions.first?.line == "\(baseline.configs[0].id), naive: newly spurious: +0x30 @ spurious.c:1 (non-call)")
    }

    @Test func aConfigMissingFromTheResultsFailsANewOneDoesNot() throws {
        let result = try GateFixture.result()
        let baseline = GateBaseline(result)
        var fewer = baseline
        let gone = fewer.configs.removeLast()
        let c = GateComparison(baseline: baseline, measured: fewer, skipped: result.skipped)
        #expect(c.regressions.map(\.kind) == [.missingConfig, .missingConfig, .missingConfig])
        #expect(c.regressions.allSatisfy { $0.config == gone.id.description })
        // The other way round: new to the baseline, reported, not failed.
        let n = GateComparison(baseline: fewer, measured: baseline, skipped: result.skipped)
        #expect(n.passed)
        #expect(n.changes.map(\.line) == ["\(gone.id): new configuration (not in the baseline)"])
        // Left out by the selection: neither.
        let s = GateComparison(baseline: baseline, measured: fewer, skipped: result.skipped,
                               isSelected: { c, _ in c != gone.id.configuration })
        #expect(s.passed)
        #expect(s.notSelected.contains(gone.id))
    }

    /// `gate --form plain`: a measurement without the direct form passes,
    /// its direct entries are not selected (kept by --update), and a plain
    /// entry missing still fails.
    @Test func aFormLeftOutIsNotSelected() throws {
        let result = try GateFixture.result()
        let baseline = GateBaseline(result)
        let directs = baseline.configs.filter { $0.id.form == .direct }
        try #require(!directs.isEmpty, "the fixture result has no direct-form configurations")
        var plainOnly = baseline
        plainOnly.configs.removeAll { $0.id.form == .direct }
        let plainSelected: (BuildConfiguration, Form) -> Bool = { _, form in form == .plain }
        let c = GateComparison(baseline: baseline, measured: plainOnly, skipped: result.skipped, isSelected: plainSelected)
        #expect(c.passed)
        #expect(Set(c.notSelected) == Set(directs.map(\.id)))
        let kept = GateBaseline.updated(old: baseline, measured: plainOnly, skipped: result.skipped, isSelected: plainSelected)
        #expect(kept.configs.count == baseline.configs.count)
        // Without the selection the same measurement fails on every direct entry.
        let all = GateComparison(baseline: baseline, measured: plainOnly, skipped: result.skipped)
        #expect(Set(all.regressions.filter { $0.kind == .missingConfig }.map(\.config)) == Set(directs.map(\.id.description)))
        var noPlain = plainOnly
        let gone = noPlain.configs.removeLast()
        let f = GateComparison(baseline: baseline, measured: noPlain, skipped: result.skipped, isSelected: plainSelected)
        #expect(!f.passed)
        #expect(f.regressions.allSatisfy { $0.config == gone.id.description })
    }

    /// A baseline entry for clang-16 on a machine without it is reported
    /// and skipped; the same entry when clang-16 is installed but produced
    /// nothing is a regression.
    @Test func configsOfACompilerNotInstalledAreSkipped() throws {
        let result = try GateFixture.result()
        var baseline = GateBaseline(result)
        let clang = baseline.configs.map {
            GateBaseline.Config(.init(compiler: "clang-16", variant: $0.variant, opt: $0.opt, link: $0.link), policies: $0.policies)
        }
        baseline = GateBaseline(compilers: baseline.compilers.merging(["clang-16": "Debian clang version 16"]) { a, _ in a },
                                configs: baseline.configs + clang)
        let c = GateComparison(baseline: baseline, measured: GateBaseline(result), skipped: [GateFixture.clang16Skip])
        #expect(c.passed)
        #expect(c.skipped == [GateSkip(compiler: "clang-16", reason: "clang-16 is not installed",
                                       configs: clang.map(\.id).sorted().map(\.description))])
        #expect(c.cases.filter { $0.status == .skipped("clang-16 is not installed") }.count == clang.count * 3)
        let installed = GateComparison(baseline: baseline, measured: GateBaseline(result), skipped: [])
        #expect(installed.regressions.count == clang.count * 3)
        #expect(installed.regressions.allSatisfy { $0.kind == .missingConfig && $0.config.hasPrefix("clang-16 ") })

        let dir = try Scratch("skip")
        let path = try dir.write("baseline.json", baseline.render())
        try GateFixture.writeResults(dir.file("results.json"), edit: GateFixture.skipClang16)
        let r = try GateFixture.gate(["--baseline", path, "--results", dir.file("results.json"), "--junit", dir.file("junit.xml")])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("\nskipped clang-16 (\(clang.count) configurations in the baseline): clang-16 is not installed\n"))
        let xml = try XMLDocument(contentsOf: URL(fileURLWithPath: dir.file("junit.xml")))
        #expect(try xml.nodes(forXPath: "//testcase/skipped").count == clang.count * 3)
        #expect(try xml.nodes(forXPath: "//failure").isEmpty)
    }

    // MARK: JUnit

    @Test func junitParsesAndHasOneFailurePerRegression() throws {
        let result = try GateFixture.result()
        let (baseline, name, removed, _) = try Self.expectingOneMoreSite(result)
        // A site key (+0xOFF @ file:line <- ...) whose file name holds
        // every character XML reserves.
        let hostile = "+0x128 @ <irq> & \"friends\" it's.c:1 <- paravirt.h:2"
        let dir = try Scratch("junit")
        let path = try dir.write("baseline.json", baseline.render())
        try GateFixture.writeResults(dir.file("results.json")) { object in
            GateFixture.editConfigs(&object) { config in
                guard config["variant"] as? String == "kernel", config["opt"] as? String == "-O0",
                      config["link"] as? String == "object", config["form"] as? String == "plain" else { return }
                var keys = config["keys"] as! [String: [String: [[String: Any]]]]
                keys["naive"]!["spurious"]!.append(["key": hostile, "cause": "non-call"])
                config["keys"] = keys
            }
        }
        let junit = dir.file("junit.xml")
        let r = try GateFixture.gate(["--baseline", path, "--results", dir.file("results.json"), "--junit", junit])
        #expect(r.status == 1)
        let regressions = r.stdout.components(separatedBy: "\nregressed (3):\n").last?
            .components(separatedBy: "\n\n").first?.split(separator: "\n") ?? []
        #expect(regressions.count == 3)

        let xml = try XMLDocument(contentsOf: URL(fileURLWithPath: junit))
        let failures = try xml.nodes(forXPath: "//testcase/failure").compactMap { $0 as? XMLElement }
        #expect(failures.count == 3)
        #expect(try xml.nodes(forXPath: "//testcase").count == result.configs.count * 3)
        let messages = failures.compactMap { $0.attribute(forName: "message")?.stringValue }
        #expect(Set(messages) == Set(regressions.map { String($0.dropFirst(2)) }))
        let spurious = try #require(failures.first { $0.attribute(forName: "type")?.stringValue == "spurious" })
        #expect(spurious.stringValue?.contains("key: \(hostile)\ncause: non-call\n") == true)
        let parent = try #require(spurious.parent as? XMLElement)
        #expect(parent.attribute(forName: "classname")?.stringValue == "gcc kernel -O0 object")
        #expect(parent.attribute(forName: "name")?.stringValue == "naive")
        let missed = try #require(failures.first { $0.attribute(forName: "type")?.stringValue == "missed" })
        #expect((missed.parent as? XMLElement)?.attribute(forName: "classname")?.stringValue == name)
        #expect(missed.stringValue?.contains("key: \(removed[0].key)\n") == true)
        let suites = try xml.nodes(forXPath: "/testsuites").compactMap { $0 as? XMLElement }
        #expect(suites.first?.attribute(forName: "failures")?.stringValue == "2")
    }

    /// Every character XML forbids or reserves, through a parser.
    @Test func junitEscapesWhatXMLReserves() throws {
        let nasty = "a<b>&c\"d'e\u{1}f\u{7f}g\tnewline\n\u{FFFE}é"
        let finding = GateFinding(.spurious, config: "gcc kernel -O2 object", policy: .naive, key: nasty, cause: "x&y",
                                  detail: "newly spurious")
        let c = GateComparison(baseline: GateBaseline(compilers: [:], configs: []), measured: GateBaseline(compilers: [:], configs: []))
        let text = GateJUnit.render(c, baseline: "b&<.json")
        #expect(try XMLDocument(data: Data(text.utf8)).rootElement()?.name == "testsuites")
        let attribute = "<x a=\"\(GateJUnit.attribute(finding.line))\">\(GateJUnit.text(nasty))</x>"
        let doc = try XMLDocument(data: Data(attribute.utf8))
        let root = try #require(doc.rootElement())
        #expect(root.attribute(forName: "a")?.stringValue == finding.line.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}")
            .replacingOccurrences(of: "\u{FFFE}", with: "\u{FFFD}"))
        #expect(root.stringValue == nasty.replacingOccurrences(of: "\u{1}", with: "\u{FFFD}")
            .replacingOccurrences(of: "\u{FFFE}", with: "\u{FFFD}"))
    }

    // MARK: --update

    @Test func updateRewritesTheBaselineAndPrintsWhatChanged() throws {
        let result = try GateFixture.result()
        var (baseline, name, removed, _) = try Self.expectingOneMoreSite(result)
        let clang = GateBaseline.Config(.init(compiler: "clang-16", variant: "kernel", opt: "-O2", link: .object),
                                        policies: baseline.configs[0].policies)
        baseline = GateBaseline(compilers: baseline.compilers, configs: baseline.configs + [clang])
        let dir = try Scratch("update")
        let path = try dir.write("baseline.json", baseline.render())
        try GateFixture.writeResults(dir.file("results.json"), edit: GateFixture.skipClang16)
        let r = try GateFixture.gate(["--baseline", path, "--results", dir.file("results.json"), "--update"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("\nworse, now in the baseline (2):\n  \(name), dataflow: coverage "))
        #expect(r.stdout.contains("\n  \(name), dataflow: newly missed: \(removed[0].key)"))
        #expect(r.stdout.hasSuffix("\nbaseline written: \(path)\n"))
        // The study's configurations, and clang-16's kept: it could not be measured here.
        let written = try GateBaseline.load(path: path)
        #expect(written == GateBaseline(compilers: GateBaseline(result).compilers, configs: GateBaseline(result).configs + [clang]))
        #expect(dir.temporaries(of: "baseline.json").isEmpty)
        // Now it passes, and a second update changes nothing.
        #expect(try GateFixture.gate(["--baseline", path, "--results", dir.file("results.json")]).status == 0)
        let again = try GateFixture.gate(["--baseline", path, "--results", dir.file("results.json"), "--update"])
        #expect(again.stdout.hasSuffix("\nbaseline unchanged: \(path)\n"))
        // A missing baseline is created.
        let fresh = try GateFixture.gate(["--baseline", dir.file("new.json"), "--results", dir.file("results.json"), "--update"])
        #expect(fresh.status == 0)
        #expect(try GateBaseline.load(path: dir.file("new.json")) == GateBaseline(result))
    }

    @Test func aFailedWriteLeavesTheOldBaseline() throws {
        struct DiskFull: Error {}
        let dir = try Scratch("failed-write")
        let path = try dir.write("baseline.json", "old\n")
        var chunks = 0
        #expect(throws: GateFileError.self) {
            try GateAtomicFile.replace(path, contents: Data(repeating: 0x41, count: 5 << 20)) { fd, buffer in
                chunks += 1
                if chunks == 3 { throw DiskFull() }
                try GateAtomicFile.writeAll(fd, buffer)
            }
        }
        #expect(chunks == 3)
        #expect(dir.contents("baseline.json") == Data("old\n".utf8))
        #expect(dir.temporaries(of: "baseline.json").isEmpty)
        // Unwritable directory: a one-line error naming the file.
        do {
            try GateAtomicFile.replace("/nonexistent/dir/baseline.json", contents: Data())
            Issue.record("wrote into a missing directory")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/dir/baseline.json: cannot write: "))
        }
        // A successful replace keeps the old file's permissions.
        chmod(path, 0o600)
        try GateAtomicFile.replace(path, contents: Data("new\n".utf8))
        #expect(dir.contents("baseline.json") == Data("new\n".utf8))
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
    }

    /// SIGKILL `pvsites gate --update` while it writes a large baseline:
    /// the baseline is always the old file or the whole new one.
    @Test func killingUpdatePartWayLeavesAWholeBaseline() throws {
        try #require(Fixtures.pvsitesIsBuilt, Fixtures.pvsitesMissing)
        let pvsites = Fixtures.pvsitesBinary
        let result = try GateFixture.result()
        let dir = try Scratch("kill")
        // A large study: the slice's configurations under 50 made-up
        // variant names (about 7 MB of baseline).
        try GateFixture.writeResults(dir.file("results.json")) { object in
            let configs = object["configs"] as! [[String: Any]]
            var many: [[String: Any]] = []
            for i in 0 ..< 50 {
                for var c in configs {
                    c["variant"] = "v\(i)-" + (c["variant"] as! String)
                    many.append(c)
                }
            }
            object["configs"] = many
            object["examples"] = []
        }
        let old = GateBaseline(result).render()
        let oldData = Data(old.utf8)
        // The new file in full, for comparison.
        _ = try dir.write("complete.json", old)
        let complete = try Command.run([pvsites, "gate", "--baseline", dir.file("complete.json"),
                                        "--results", dir.file("results.json"), "--update"])
        try #require(complete.status == 0, "\(complete.stderr)")
        let newData = try #require(dir.contents("complete.json"))
        #expect(newData.count > 5 << 20)

        var killedMidWrite = 0
        for _ in 0 ..< 5 where killedMidWrite < 2 {
            _ = try dir.write("baseline.json", old)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: pvsites)
            process.arguments = ["gate", "--baseline", dir.file("baseline.json"), "--results", dir.file("results.json"), "--update"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Kill once the temporary file holds some bytes: mid-write.
            let deadline = Date().addingTimeInterval(120)
            var sawTemporary = false
            while process.isRunning && Date() < deadline {
                if let t = dir.temporaries(of: "baseline.json").first,
                   let size = try? FileManager.default.attributesOfItem(atPath: dir.file(t))[.size] as? Int, size > 0 {
                    sawTemporary = true
                    kill(process.processIdentifier, SIGKILL)
                    break
                }
                usleep(200)
            }
            process.waitUntilExit()
            let now = try #require(dir.contents("baseline.json"))
            #expect(now == oldData || now == newData, "a half-written baseline (\(now.count) bytes)")
            if sawTemporary && process.terminationReason == .uncaughtSignal && now == oldData {
                killedMidWrite += 1
                // What a kill leaves behind is the temporary file, never the baseline.
                #expect(!dir.temporaries(of: "baseline.json").isEmpty)
            }
            for t in dir.temporaries(of: "baseline.json") { unlink(dir.file(t)) }
            // A killed update can be run again, and the gate then passes.
            if now == oldData {
                #expect(try GateBaseline.load(path: dir.file("baseline.json")) == GateBaseline(result))
            }
        }
        #expect(killedMidWrite >= 1, "no kill landed while the baseline was being written")
    }

    // MARK: Bad input

    enum BadBaseline: String, CaseIterable, Sendable {
        case missing, notJSON = "not-json", otherSchema = "other-schema", notAnObject = "not-an-object",
             wrongShape = "wrong-shape", directory
    }

    @Test(arguments: BadBaseline.allCases)
    func badBaselineIsOneLineAndExit2(_ kind: BadBaseline) throws {
        let dir = try Scratch("bad-\(kind.rawValue)")
        var path = dir.file("baseline.json")
        let expected: String
        switch kind {
        case .missing:
            expected = "\(path): no such baseline (write one with: pvsites gate --baseline \(path) --update)"
        case .notJSON:
            path = try dir.write("baseline.json", "{\"schema\": 1, \"configs\": [\n")
            expected = "\(path): not a pvsites baseline: not valid JSON"
        case .otherSchema:
            path = try dir.write("baseline.json", "{\"schema\": 2, \"configs\": []}\n")
            expected = "\(path): baseline schema 2, this pvsites reads 1 (regenerate it with --update after removing it)"
        case .notAnObject:
            path = try dir.write("baseline.json", "[1, 2]\n")
            expected = "\(path): not a pvsites baseline: not a JSON object"
        case .wrongShape:
            path = try dir.write("baseline.json", "{\"schema\": 1, \"compilers\": {}, \"configs\": [{\"compiler\": 3}]}\n")
            expected = "\(path): not a pvsites baseline: wrong type at configs[0].compiler"
        case .directory:
            path = dir.path
            expected = "\(path): cannot read: is a directory"
        }
        do {
            _ = try GateBaseline.load(path: path)
            Issue.record("\(kind) loaded")
        } catch {
            #expect(error.description == expected)
        }
        // The results file does not exist: the baseline is read first.
        let r = try GateFixture.gate(["--baseline", path, "--results", dir.file("no-results.json")])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "pvsites: \(expected)\n")
        if kind != .missing && kind != .directory {
            // --update does not overwrite a file it cannot read either.
            let before = dir.contents("baseline.json")
            let u = try GateFixture.gate(["--baseline", path, "--results", dir.file("no-results.json"), "--update"])
            #expect(u.status == 2 && u.stderr == "pvsites: \(expected)\n")
            #expect(dir.contents("baseline.json") == before)
        }
    }

    @Test func badResultsFileIsOneLineAndExit2() throws {
        let dir = try Scratch("bad-results")
        let baseline = try dir.write("baseline.json", GateBaseline(compilers: [:], configs: []).render())
        let notStudy = try dir.write("results.json", "{\"schema\": 1}\n")
        let r = try GateFixture.gate(["--baseline", baseline, "--results", notStudy])
        #expect(r.status == 2)
        #expect(r.stderr == "pvsites: \(notStudy): not a pvsites study JSON: missing 'corpus' at the top\n")
        let missing = try GateFixture.gate(["--baseline", baseline, "--results", dir.file("none.json")])
        #expect(missing.status == 2)
        #expect(missing.stderr == "pvsites: \(dir.file("none.json")): cannot read: no such file\n")
    }
}
