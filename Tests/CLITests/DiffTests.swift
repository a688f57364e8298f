import Foundation
import TestSupport
import Testing

/// `pvsites diff OLD.json NEW.json` on study results: the sites a change
/// gained and lost, by key and cause, and one line of totals.
@Suite("pvsites diff", .serialized)
struct DiffTests {
    static func run(_ args: [String]) throws -> CommandResult { try CommandLineTests.run(args) }

    /// One small study, as JSON text (gcc kernel -O2, object and linked,
    /// plain and direct form: 4 configs x 3 policies).
    static let study: Result<String, any Error> = Result {
        _ = CorpusFixture.build
        let r = try run(["study", "--cache", CorpusFixture.cacheDirectory, "--compiler", "gcc", "--variant", "kernel",
                         "--opt=-O2", "--no-linux", "--format", "json"])
        guard r.status == 0 else { throw FixtureError.commandFailed("pvsites study", r.stderr) }
        return r.stdout
    }

    static func write(_ object: Any, _ name: String) throws -> String {
        let path = Fixtures.scratchPath(name)
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// A study against itself: nothing changed, exit 0.
    @Test func sameStudyChangesNothing() throws {
        let path = try Self.write(try JSONSerialization.jsonObject(with: Data(Self.study.get().utf8)), "diff-same.json")
        let r = try Self.run(["diff", path, path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        // The totals first.
        #expect(lines[1].hasPrefix("Total found, site-configurations: naive "), "\(lines)")
        #expect(lines[2].hasPrefix("found/lost: 0/0 sites, spurious new/gone: 0/0, causes changed: 0; 0 of 12 configs x policies changed"),
                "\(lines)")
        #expect(lines.count == 3, "\(lines)")
    }

    /// A missed site found, a spurious one added: each printed with its
    /// key, op and cause, under the configs and policy it changed in; the
    /// JSON says the same.
    @Test func gainedAndSpuriousSites() throws {
        var old = try #require(try JSONSerialization.jsonObject(with: Data(Self.study.get().utf8)) as? [String: Any])
        var configs = try #require(old["configs"] as? [[String: Any]])
        // Old: one more dataflow miss (a key the decoded scan misses) and one
        // fewer spurious site than new, in the object config.
        let i = try #require(configs.firstIndex { $0["link"] as? String == "object" })
        var keys = try #require(configs[i]["keys"] as? [String: [String: [[String: Any]]]])
        let decodedMiss = try #require(keys["decoded"]?["missed"]?.first { ($0["cause"] as? String) != "copies-differ" })
        let key = try #require(decodedMiss["key"] as? String)
        var dataflow = try #require(keys["dataflow"])
        dataflow["missed"] = (dataflow["missed"] ?? []) + [decodedMiss]
        let new = configs
        keys["dataflow"] = dataflow
        configs[i]["keys"] = keys
        var policies = try #require(configs[i]["policies"] as? [String: [String: Any]])
        var counts = try #require(policies["dataflow"])
        counts["found"] = try #require(counts["found"] as? Int) - 1
        counts["missed"] = try #require(counts["missed"] as? Int) + 1
        policies["dataflow"] = counts
        configs[i]["policies"] = policies
        old["configs"] = configs
        var newStudy = old
        newStudy["configs"] = new
        var newConfigs = new
        var newKeys = try #require(newConfigs[i]["keys"] as? [String: [String: [[String: Any]]]])
        var newDataflow = try #require(newKeys["dataflow"])
        // Twice: one line for it, saying so.
        newDataflow["spurious"] = (newDataflow["spurious"] ?? [])
            + Array(repeating: ["key": "+0x8 @ made_up.c:7", "cause": "non-call"], count: 2)
        newKeys["dataflow"] = newDataflow
        newConfigs[i]["keys"] = newKeys
        newStudy["configs"] = newConfigs
        let oldPath = try Self.write(old, "diff-old.json"), newPath = try Self.write(newStudy, "diff-new.json")

        let r = try Self.run(["diff", oldPath, newPath])
        #expect(r.status == 0, "\(r.stderr)")
        let text = r.stdout
        #expect(text.contains("found/lost: 1/0 sites, spurious new/gone: 2/0, causes changed: 0; 1 of 12"), "\(text)")
        #expect(text.contains("\ngcc kernel -O2 object plain, dataflow: found "), "\(text)")
        let cause = try #require(decodedMiss["cause"] as? String)
        // Grouped by cause transition, each site once.
        #expect(text.contains("\n  + found, was missed as \(cause): 1 site\n      "), "\(text)")
        #expect(text.contains(" \(key)\n"), "\(text)")
        #expect(text.contains("\n  + spurious (non-call): 2 sites\n      +0x8 @ made_up.c:7 (x2)\n"), "\(text)")
        let lines = text.split(separator: "\n")
        #expect(Set(lines).count == lines.count, "no line repeats: \(text)")

        let j = try Self.run(["diff", "--format", "json", oldPath, newPath])
        #expect(j.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(json["schema"] as? Int == 1)
        let summary = try #require(json["summary"] as? [String: Int])
        #expect(summary["found"] == 1 && summary["spurious_added"] == 2 && summary["missed"] == 0 && summary["changed"] == 1)
        let change = try #require((json["changes"] as? [[String: Any]])?.first)
        #expect(change["config"] as? String == "gcc kernel -O2 object plain")
        #expect(change["policy"] as? String == "dataflow")
        let sites = try #require(change["sites"] as? [[String: Any]])
        #expect(sites.first?["key"] as? String == key && sites.first?["kind"] as? String == "found")
    }

    /// Two studies of one compiler each pair without the compiler.
    @Test func acrossCompilers() throws {
        var study = try #require(try JSONSerialization.jsonObject(with: Data(Self.study.get().utf8)) as? [String: Any])
        let path = try Self.write(study, "diff-gcc.json")
        study["configs"] = (study["configs"] as? [[String: Any]])?.map { c in var c = c; c["compiler"] = "gcc-11"; return c }
        let other = try Self.write(study, "diff-gcc-11.json")
        let r = try Self.run(["diff", path, other])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("pvsites diff \(path) \(other) (gcc -> gcc-11)\n"), "\(r.stdout)")
        #expect(r.stdout.contains("0 of 12 configs x policies changed"))
        #expect(!r.stdout.contains("only in"))
    }

    /// Two studies of one variant each pair without the variant, as
    /// two of one compiler each pair without the compiler.
    @Test func acrossVariants() throws {
        var study = try #require(try JSONSerialization.jsonObject(with: Data(Self.study.get().utf8)) as? [String: Any])
        let path = try Self.write(study, "diff-kernel.json")
        study["configs"] = (study["configs"] as? [[String: Any]])?.map { c in var c = c; c["variant"] = "retpoline"; return c }
        let other = try Self.write(study, "diff-retpoline.json")
        let r = try Self.run(["diff", path, other])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("pvsites diff \(path) \(other) (gcc; variant kernel -> retpoline)\n"), "\(r.stdout)")
        #expect(r.stdout.contains("0 of 12 configs x policies changed"))
        #expect(!r.stdout.contains("only in"))
        let j = try Self.run(["diff", "--format", "json", path, other])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(json["across_variants"] as? Bool == true)
    }

    /// A 6.1 kernel study against a 6.12 one pairs rows by opt,
    /// retpolines, form, link and scope, counts only: site keys name
    /// another source's lines. (The 6.12 side is the recorded 6.1 result
    /// renamed, with one count changed.)
    @Test func acrossKernelVersions() throws {
        let recorded = Fixtures.repositoryRoot + "/Kernels/results/6.1-gcc.json"
        var study = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: recorded)))
            as? [String: Any])
        let old = try Self.write(study, "diff-6.1.json")
        var configs = try #require(study["configs"] as? [[String: Any]])
        for i in configs.indices {
            configs[i]["kernel"] = "6.12"
            configs[i]["variant"] = (configs[i]["variant"] as? String)?.replacingOccurrences(of: "linux-6.1-", with: "linux-6.12-")
            // Keys that differ, as another version's lines would: none listed.
            var keys = configs[i]["keys"] as? [String: [String: [[String: Any]]]] ?? [:]
            for p in keys.keys { keys[p] = ["missed": [], "spurious": []] }
            configs[i]["keys"] = keys
        }
        var policies = try #require(configs[0]["policies"] as? [String: [String: Any]])
        var dataflow = try #require(policies["dataflow"])
        dataflow["matched"] = try #require(dataflow["matched"] as? Int) + 5
        policies["dataflow"] = dataflow
        configs[0]["policies"] = policies
        study["configs"] = configs
        let new = try Self.write(study, "diff-6.12.json")
        let r = try Self.run(["diff", old, new])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n").map(String.init)
        #expect(lines[0] == "pvsites diff \(old) \(new) (gcc; Linux 6.1 -> 6.12)", "\(lines)")
        #expect(lines[1].hasPrefix("Rows paired by opt, retpolines, form, link and scope; counts only"), "\(lines)")
        let cells = configs.count * 3
        #expect(r.stdout.contains("found/lost: 0/0 sites, spurious new/gone: 0/0, causes changed: 0; 1 of \(cells) configs x policies changed"),
                "\(r.stdout)")
        #expect(r.stdout.contains(", dataflow: found "), "\(r.stdout)")
        #expect(!r.stdout.contains("only in"), "\(r.stdout)")
        let j = try Self.run(["diff", "--format", "json", old, new])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(j.stdout.utf8)) as? [String: Any])
        #expect(json["across_kernels"] as? Bool == true)
        #expect((json["new"] as? [String: Any])?["kernels"] as? [String] == ["6.12"])
    }

    /// Nothing pairs (another opt level throughout): one line, exit 2.
    @Test func nothingPairs() throws {
        var study = try #require(try JSONSerialization.jsonObject(with: Data(Self.study.get().utf8)) as? [String: Any])
        let path = try Self.write(study, "diff-o2.json")
        study["configs"] = (study["configs"] as? [[String: Any]])?.map { c in var c = c; c["opt"] = "-O3"; return c }
        let other = try Self.write(study, "diff-o3.json")
        let r = try Self.run(["diff", path, other])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1 && lines[0].hasPrefix("pvsites: \(path), \(other): no configuration in common"), "\(r.stderr)")
    }

    /// A file that is missing, not JSON or not a study: one line naming it, exit 2.
    @Test func unreadableInput() throws {
        let good = try Self.write(try JSONSerialization.jsonObject(with: Data(Self.study.get().utf8)), "diff-good.json")
        let notJSON = Fixtures.scratchPath("diff-not.json")
        try "not json\n".write(toFile: notJSON, atomically: true, encoding: .utf8)
        let notStudy = try Self.write(["schema": 1, "hello": "world"], "diff-not-study.json")
        for (args, file) in [([good, "/nonexistent.json"], "/nonexistent.json"), ([notJSON, good], notJSON),
                             ([good, notStudy], notStudy)] {
            let r = try Self.run(["diff"] + args)
            #expect(r.status == 2)
            #expect(r.stdout.isEmpty)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("pvsites: \(file): "), "\(r.stderr)")
        }
        #expect(try Self.run(["diff", good]).status == 2)
    }
}
