import Compare
import CorpusBuild
import ELF
import Pipeline
import Records
import RelocSites
import TestSupport
import Testing

/// The simulator on the corpus's linked images: decoded's and dataflow's
/// records pass; every record naive's literal guesses make is judged, and
/// the judgement is checked twice, against `objdump -d` of the image and
/// against the comparison's own misplaced outcome for the same guess.
@Suite("Patch simulator, on corpus images")
struct PatchSimulatorTests {
    static let configurations = [("kernel", "-O0"), ("kernel", "-O2"), ("kernel", "-Os"), ("retpoline", "-O2")]
        .map { CorpusFixture.configuration($0.0, $0.1) }
    static let cases = configurations.flatMap { c in [BuildMode.plain, .direct].map { (c, $0) } }

    @Test(arguments: cases)
    func scannedRecordsPass(_ cfg: BuildConfiguration, _ mode: BuildMode) throws {
        let image = try #require(CorpusFixture.build.find(cfg, mode)?.image)
        let file = try ObjectFile(path: image)
        let objdump = try Tools.objdump(image)
        for policy in [Policy.decoded, .dataflow] {
            let run = try RecordsRun(file: file, options: .init(policy: policy, sites: .scan, check: true))
            let check = try #require(run.check)
            #expect(check.failed == 0, "\(cfg) \(mode) \(policy): \(check.failures.prefix(3))")
            #expect(check.passed == run.set.records.count && check.passed > 0)
            // Independently: objdump starts a call of exactly the record's
            // length at every record.
            for r in run.set.records {
                let insn = objdump[r.section]?[r.address]
                #expect(insn?.bytes.count == Int(r.length) && insn?.text.hasPrefix("call") == true,
                        "\(cfg) \(mode) \(policy) \(r.location): \(insn?.text ?? "no instruction")")
            }
        }
    }

    /// The same on the objects the images are linked from (sections at
    /// address 0, calls still relocated).
    @Test(arguments: cases)
    func scannedRecordsPassInObjects(_ cfg: BuildConfiguration, _ mode: BuildMode) throws {
        let build = try #require(CorpusFixture.build.find(cfg, mode))
        var records = 0
        for o in build.objects {
            let file = try ObjectFile(path: o.path)
            for policy in [Policy.decoded, .dataflow] {
                let run = try RecordsRun(file: file, options: .init(policy: policy, sites: .scan, check: true))
                let check = try #require(run.check)
                #expect(check.failed == 0, "\(cfg) \(mode) \(o.source) \(policy): \(check.failures.prefix(3))")
                records += run.set.records.count
            }
        }
        #expect(records > 0)
    }

    /// What objdump says the patch would do at `address`: nil when it is
    /// safe (a 6-byte `call *mem`, or a 5-byte `call rel32` to a
    /// trampoline), else the reason the simulator must give.
    static func expectedReason(_ insns: [UInt64: Tools.ObjdumpInstruction], _ r: PatchRecord) -> String? {
        guard let insn = insns[r.address] else { return "mid-instruction" }
        let b = insn.bytes
        if (b.count == 6 && b[0] == 0xff && b[1] == 0x15) || (b.count == 5 && b[0] == 0xe8 && r.length == 5) { return nil }
        // A jump out of the function (through memory, or to a trampoline).
        let leaves = (b.count == 6 && b[0] == 0xff && b[1] == 0x25)
            || (b[0] == 0xe9 && b.count <= Int(r.length) && !insn.text.contains("<\(insn.function)+"))
        return leaves ? "tail-call" : "not-a-call"
    }

    @Test(arguments: cases)
    func naiveGuessesAreNamed(_ cfg: BuildConfiguration, _ mode: BuildMode) throws {
        let image = try #require(CorpusFixture.build.find(cfg, mode)?.image)
        let file = try ObjectFile(path: image)
        let run = try RecordsRun(file: file, options: .init(policy: .naive, sites: .scan, check: true))
        let check = try #require(run.check)
        let failures = Dictionary(check.failures.map { ($0.address, $0) }, uniquingKeysWith: { a, _ in a })
        let objdump = try Tools.objdump(image)
        for r in run.set.records {
            let text = try #require(objdump[r.section], "\(r.section)")
            #expect(failures[r.address]?.reason == Self.expectedReason(text, r),
                    "\(cfg) \(mode) \(r.location): \(failures[r.address]?.detail ?? "passed"); objdump: \(text[r.address]?.text ?? "no instruction")")
        }
        // Every guess the comparison calls misplaced is caught, by the same
        // name, unless no record was made for it (a branch target inside:
        // at -O0 the sweep of literal_pool.c's pool_wbinvd runs through its
        // literal and decodes a `call` into paravirt_read_msr+0x11, a bogus
        // target the maker takes at its word).
        let refused = Set(run.set.refusals.map(\.address))
        let analysis = try Analysis(file: file, policies: [.naive], options: Analysis.Options(sourcePositions: false))
        var misplaced = 0
        for site in try #require(analysis.scans[.naive]).sites {
            guard let m = analysis.evidence.misplacement(of: site) else { continue }
            misplaced += 1
            if refused.contains(site.address) { continue }
            let name = m == .midInstruction ? "mid-instruction" : "not-a-call"
            #expect(failures[site.address]?.reason == name, "\(cfg) \(mode) \(site.location): \(m)")
        }
        #expect(misplaced > 0 && check.failed >= misplaced, "\(cfg) \(mode)")
    }
}
