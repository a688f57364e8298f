import ELF
import Pipeline
import Reports
import Compare
import CorpusBuild
import Foundation
import RelocSites
import SiteModel
import Study
import TestSupport
import Testing

/// The study on the fixture slice of the corpus.
@Suite("Study", .serialized)
struct StudyRunTests {
    static let result: StudyResult = {
        // The plain form: the direct form has its own suite (DirectFormTests).
        var runner = StudyRunner(corpus: CorpusFixture.corpus, cacheDirectory: CorpusFixture.cacheDirectory)
        runner.forms = [.plain]
        do { return try runner.run(CorpusFixture.configurations) } catch { fatalError("\(error)") }
    }()

    static func config(_ variant: String, _ opt: String, _ link: LinkForm = .object) throws -> ConfigResult {
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
            // Spurious only where C calls through the table with no macro
            // (raw_ops_call.c; ControlTests counts them in gcc -S).
            #expect(c.control.spurious == c.control.spuriousUnannotatedCall, "\(c.name)")
            #expect(c.control.sizeMismatched == c.controlSizeMismatchedAsm, "\(c.name)")
        }
    }

    /// What decoded misses, dataflow recovers, as size-mismatched sites.
    /// The counts are anchored in readelf: the annotated sites are the
    /// records, and decoded finds exactly the calls and jumps through the
    /// table (by their bytes), so that its misses are the records those
    /// calls do not match.
    @Test(arguments: ["-O0", "-O2"])
    func dataflowRecoversWhatDecodedMisses(opt: String) throws {
        for variant in ["kernel", "retpoline", "pic", "ro-ops"] {
            let c = try Self.config(variant, opt)
            let decoded = try #require(c.policies[.decoded]), dataflow = try #require(c.policies[.dataflow])
            let counted = try Self.counted(c)
            #expect(decoded.annotated == counted.records && dataflow.annotated == counted.records, "\(c.name)")
            #expect(decoded.scanned == counted.calls, "\(c.name)")
            #expect(decoded.realMissed == counted.records - (counted.calls - decoded.spurious) - decoded.missedCopiesDiffer,
                    "\(c.name)")
            #expect(dataflow.realMissed <= decoded.realMissed, "\(c.name)")
            #expect(dataflow.found >= decoded.found, "\(c.name)")
            if decoded.realMissed > 20 {
                #expect(dataflow.sizeMismatched > decoded.sizeMismatched, "\(c.name)")
            }
        }
        let o0 = try Self.config("kernel", "-O0")
        #expect(try #require(o0.policies[.decoded]).realMissed > 100)
    }

    /// The integers in `text`, in order (`PC32` gives 32).
    static func numbers(_ text: String) -> [Int] {
        text.split { !$0.isASCII || !$0.isNumber }.compactMap { Int($0) }
    }

    /// What readelf and the bytes count in the objects the study compared.
    struct Counted {
        var references = 0, calls = 0, records = 0
        var annotatedC = 0, annotatedAsm = 0, narrowC = 0, narrowAsm = 0
        /// GOT relocations against the table the linker relaxed away.
        var relaxed = 0
    }

    /// By configuration (`kernel -O2`), once per test process.
    static let counted: Result<[String: Counted], any Error> = Result {
        var byConfig: [String: Counted] = [:]
        for cfg in CorpusFixture.configurations {
            byConfig["\(cfg.variant) \(cfg.opt)"] = try countWithReadelf(cfg.variant, cfg.opt)
        }
        return byConfig
    }

    static func counted(_ c: ConfigResult) throws -> Counted {
        try #require(try counted.get()["\(c.variant) \(c.opt)"])
    }

    static func countWithReadelf(_ variant: String, _ opt: String) throws -> Counted {
        let cfg = CorpusFixture.configuration(variant, opt)
        let table = CorpusFixture.corpus.config.tableSymbol
        let got: Set = ["R_X86_64_GOT32", "R_X86_64_GOTPCREL", "R_X86_64_GOT64", "R_X86_64_GOTPCREL64",
                        "R_X86_64_GOTPCRELX", "R_X86_64_REX_GOTPCRELX"]
        var c = Counted()
        do {
            let a = try #require(CorpusFixture.build.find(cfg, .annotated)), p = try #require(CorpusFixture.build.find(cfg, .plain))
            // The study pairs objects by source.
            let pairs = a.objects.compactMap { o in p.objects.first { $0.source == o.source }.map { (o.source, o.path, $0.path) } }
            let plainImage = try #require(p.image)
            let plain = try Readelf.read(pairs.map(\.2) + [plainImage], against: table)
            let annotated = try Readelf.read(pairs.map(\.1), against: table, in: [".rela.parainstructions"])
            var objectGOT = 0
            for (source, annotatedPath, plainPath) in pairs {
                let f = try #require(plain[plainPath])
                let refs = try KernelOracle.references(f, code: .init(f, table: table))
                c.references += refs.count
                c.calls += refs.filter { $0.call != nil }.count
                objectGOT += refs.filter { got.contains($0.type) }.count
                let g = try #require(annotated[annotatedPath])
                let records = try KernelOracle.parainstructions(g, code: .init(g, table: table))
                c.records += records.records
                for site in records.sites {
                    // Narrower than CLBR_ANY, the nine caller-saved registers.
                    let narrow = (site.clobbers ?? 0) & 0x1ff != 0x1ff
                    if source.hasSuffix(".S") {
                        c.annotatedAsm += 1
                        if narrow { c.narrowAsm += 1 }
                    } else {
                        c.annotatedC += 1
                        if narrow { c.narrowC += 1 }
                    }
                }
            }
            let image = try #require(plain[plainImage])
            let imageGOT = try KernelOracle.references(image, code: .init(image, table: table)).filter { got.contains($0.type) }.count
            c.relaxed += max(0, objectGOT - imageGOT)
        }
        return c
    }

    /// Each answer states its figures, in order, and the figures are the
    /// configurations' totals; those readelf can count are counted from the
    /// objects themselves: references to the table in code, calls and jumps
    /// through it (by their bytes), records and their clobbers, and GOT
    /// relocations the link relaxed.
    @Test func objectionsAnswered() throws {
        let r = Self.result
        #expect(r.objections.map(\.number) == [1, 2, 3, 4, 5])
        try #require(r.objections.count == 5)
        let objects = r.configs.filter { $0.link == .object }, linked = r.configs.filter { $0.link == .linked }
        #expect(objects.count == CorpusFixture.configurations.count && linked.count == objects.count)
        func sum(_ list: [ConfigResult], _ f: (ConfigResult) -> Int) -> Int { list.reduce(0) { $0 + f($1) } }
        func counts(_ list: [ConfigResult], _ policy: Policy) -> Counts {
            list.reduce(Counts()) { $0 + ($1.policies[policy] ?? Counts()) }
        }
        var counted = Counted()
        for c in try Self.counted.get().values {
            counted.references += c.references
            counted.calls += c.calls
            counted.records += c.records
            counted.annotatedC += c.annotatedC
            counted.annotatedAsm += c.annotatedAsm
            counted.narrowC += c.narrowC
            counted.narrowAsm += c.narrowAsm
            counted.relaxed += c.relaxed
        }
        print("objections: readelf counts \(counted); answers: \(r.objections.map(\.answer))")
        let dataflow = counts(objects, .dataflow), naive = counts(objects, .naive), decoded = counts(objects, .decoded)
        // The sites one by one (the keyed outcomes the gate compares), not
        // the summed counts the objections are written from.
        func keyed(_ policy: Policy, _ list: (ConfigResult.PolicyKeys) -> [ConfigResult.KeyedOutcome])
            -> [ConfigResult.KeyedOutcome] {
            objects.flatMap { $0.keys[policy].map(list) ?? [] }
        }
        let missedBy = Dictionary(uniqueKeysWithValues: Policy.allCases.map { ($0, keyed($0, \.missed)) })
        func realMissed(_ p: Policy) -> Int { missedBy[p]!.filter { $0.cause != .copiesDiffer }.count }
        // found + misplaced + missed = annotated, the records readelf counts.
        func found(_ p: Policy, _ c: Counts) -> Int { counted.records - c.misplaced - missedBy[p]!.count }
        #expect(dataflow.annotated == counted.records && decoded.annotated == counted.records)
        #expect(counted.annotatedC + counted.annotatedAsm == counted.records)

        // 1. Disassembly.
        let undecodable = sum(objects) { $0.references.byUse[.undecodable] ?? 0 }
        let confirmed = sum(objects) { $0.references.confirmedBySweep }
        #expect(sum(objects) { ($0.references.byUse[.callMem] ?? 0) + ($0.references.byUse[.jmpMem] ?? 0) } == counted.calls)
        #expect(r.objections[0].figures == ["references": counted.references, "calls": counted.calls,
                                           "undecodable": undecodable, "confirmed_by_sweep": confirmed,
                                           "naive_mid_instruction": naive.misplacedMidInstruction,
                                           "naive_non_call": naive.misplacedNonCall, "naive_misplaced": naive.misplaced])
        #expect(Self.numbers(r.objections[0].answer) == [counted.references, counted.calls, undecodable, confirmed,
                                                         naive.misplacedMidInstruction, naive.misplacedNonCall])

        // 2. Patch size ("naive (6 bytes everywhere)").
        // Patchable: of the found, those a record can be made for.
        let dp = try #require(dataflow.patchable), cp = try #require(decoded.patchable), np = try #require(naive.patchable)
        #expect(dp <= found(.dataflow, dataflow) && cp <= found(.decoded, decoded) && np <= found(.naive, naive))
        #expect(r.objections[1].figures == ["annotated": counted.records, "size_mismatched_dataflow": dataflow.sizeMismatched,
                                           "size_mismatched_naive": naive.sizeMismatched,
                                           "found_dataflow": found(.dataflow, dataflow), "found_decoded": found(.decoded, decoded),
                                           "found_naive": found(.naive, naive), "patchable_dataflow": dp,
                                           "patchable_decoded": cp, "patchable_naive": np])
        // "of F found, P patchable (... 5 bytes ... Linux 6.1 ...); S of A differ ..."
        #expect(Self.numbers(r.objections[1].answer) == [found(.dataflow, dataflow), dp, 5, 6, 1, dataflow.sizeMismatched,
                                                         counted.records, cp, found(.decoded, decoded), 6, naive.sizeMismatched,
                                                         np, found(.naive, naive)])

        // 3. Register environment.
        #expect(r.objections[2].figures == ["narrow_c": counted.narrowC, "annotated_c": counted.annotatedC,
                                           "narrow_asm": counted.narrowAsm, "annotated_asm": counted.annotatedAsm,
                                           "clobber_unsafe": dataflow.clobberUnsafe])
        #expect(Self.numbers(r.objections[2].answer)
                == [counted.narrowC, counted.annotatedC, counted.narrowAsm, counted.annotatedAsm, dataflow.clobberUnsafe])

        // 4. Hidden sites: decoded's three largest causes of a miss (ties
        // by name), leaving out spurious causes and copies-differ.
        let copiesDiffer = missedBy[.dataflow]!.count - realMissed(.dataflow)
        var figures4: [Objection.Figure: Int] = ["missed_decoded": realMissed(.decoded), "missed_dataflow": realMissed(.dataflow),
                                                 "annotated": counted.records, "copies_differ": copiesDiffer]
        var decodedCauses: [Cause: Int] = [:]
        for o in missedBy[.decoded]! + keyed(.decoded, \.spurious) { if let c = o.cause { decodedCauses[c, default: 0] += 1 } }
        for (k, v) in decodedCauses { figures4[Objection.Figure(rawValue: "decoded_" + k.rawValue)] = v }
        #expect(r.objections[3].figures == figures4)
        let top = decodedCauses.filter { $0.key.isScanMiss }.map { (key: $0.key.rawValue, value: $0.value) }
            .sorted { ($0.value, $1.key) > ($1.value, $0.key) }.prefix(3)
        #expect(Self.numbers(r.objections[3].answer)
                == [realMissed(.decoded), counted.records] + top.map(\.value) + [realMissed(.dataflow), copiesDiffer])
        for cause in top { #expect(r.objections[3].answer.contains("\(cause.key) \(cause.value)")) }

        // 5. Relocations kept through the link ("rewrote ... to PC32").
        let inImages = counts(linked, .decoded)
        #expect(inImages.annotated == counted.records)
        #expect(sum(linked) { $0.references.relaxed } == counted.relaxed)
        #expect(r.objections[4].figures == ["found_linked": inImages.found, "found_objects": decoded.found,
                                           "relaxed": counted.relaxed, "annotated_linked": inImages.annotated,
                                           "annotated_objects": counted.records])
        func shapes(_ c: Counts) -> Int { c.matched + c.sizeMismatched + c.kindMismatched + c.clobberUnsafe }
        #expect(Self.numbers(r.objections[4].answer) == [shapes(inImages), shapes(decoded), counted.relaxed, 32])
    }

    /// Examples read like objdump with symbols: no `callq`, every
    /// reference to the table by field and op name, thunk calls by name;
    /// each says its build; a clobber-unsafe one names the registers its
    /// record keeps that a C call may clobber.
    @Test func examplesAreSymbolized() throws {
        let examples = Self.result.examples
        #expect(!examples.isEmpty)
        for e in examples {
            #expect(e.build != nil, "\(e.title)")
            for line in e.instructions {
                #expect(!line.contains("callq") && !line.contains("retq") && !line.contains("jmpq"), "\(line)")
                // `*(%rip)`: a relocation left unsymbolized.
                #expect(!line.contains("(%rip)") || line.contains("+0x") || line.contains("@GOTPCREL")
                            || line.contains(" *paravirt_ops(%rip)"), "\(line)")
                if let r = line.range(of: "paravirt_ops+0x"), line.contains("(%rip)") {
                    let field = Int64(line[r.upperBound...].prefix { $0.isHexDigit }, radix: 16)!
                    let names = try #require(Self.opNames)
                    // A misplaced guess's mark (`  <- guess +0x5`) follows the op's name.
                    let text = line.range(of: "  <- guess ").map { String(line[..<$0.lowerBound]) } ?? line
                    if let name = names[field] { #expect(text.hasSuffix("  # \(name)"), "\(line)") }
                }
            }
            if e.outcome == .clobberUnsafe {
                let keeps = try #require(e.unsafeRegisters, "\(e.title)")
                #expect(!keeps.isEmpty && keeps.allSatisfy { ["rax", "rcx", "rdx", "rdi", "rsi", "r8", "r9", "r10", "r11"].contains($0) })
            } else {
                #expect(e.unsafeRegisters == nil)
            }
        }
        // Retpolines: the plain build calls the thunk, by name.
        #expect(examples.contains { e in e.config.contains("retpoline") && e.build == .plain
            && e.instructions.contains { $0.contains("call __x86_indirect_thunk_") } })
    }

    /// Field offset → op name, from the fixture's plain builds.
    static let opNames: OpNames? = {
        let plain = CorpusFixture.build.find(CorpusFixture.configuration("kernel", "-O2"), .plain)
        return plain.map { OpNames.firstNaming(paths: $0.objects.map(\.path)) }
    }()

    @Test func textReportFitsMail() {
        let text = StudyTextReport(StudyReport(Self.result)).render()
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            #expect(line.count <= 72, "\(line)")
            #expect(line.unicodeScalars.allSatisfy { $0.isASCII }, "\(line)")
        }
        #expect(text.contains("variant kernel, objects"))
        #expect(text.contains("2007 objections"))
        #expect(StudyTextReport(StudyReport(Self.result, options: .init(full: true))).render().contains("The five objections"))
    }

    /// The answer first: the verdict (at most ten sentences), then
    /// the header and the bottom line in at most 20 lines, each row's
    /// numbers the JSON's annotated C sites (`by_source.c`); the whole
    /// default report at most 150 lines.
    @Test func textReportStatesTheAnswerFirst() throws {
        let report = StudyReport(Self.result)
        let lines = StudyTextReport(report).render().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count <= 150, "\(lines.count) lines")
        #expect(report.verdict.sentences.count <= Verdict.maxSentences)
        let verdictEnd = try #require(lines.firstIndex(of: ""))
        let headerEnd = try #require(lines[(verdictEnd + 1)...].firstIndex(of: ""))
        let bottom = lines[(headerEnd + 1)...].prefix { !$0.isEmpty }
        #expect(bottom.count <= StudyTextReport.summaryLines)
        let c = try Self.config("kernel", "-O2")
        let decodedC = try #require(c.policies[.decoded]?.bySource?[.c])
        let dataflowC = try #require(c.policies[.dataflow]?.bySource?[.c])
        let row = try #require(report.bottomLine.rows.first { $0.label == "kernel -O2" })
        #expect(row.annotated == decodedC.annotated)
        #expect(row.found == [decodedC.found, dataflowC.found])
        #expect(row.patchable == [decodedC.patchable, dataflowC.patchable])
        let decoded = StudyReport.percent(decodedC.found, of: decodedC.annotated)
        #expect(bottom.contains { $0.hasPrefix("  kernel -O2") && $0.contains(decoded) })
        #expect(bottom.contains { $0.hasPrefix("  1 disassembly: naive makes") })
    }

    @Test func jsonContract() throws {
        let json = try JSONOutput.encode(Self.result)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? Int == 1)
        let summary = try #require(object["summary"] as? [String: Any])
        for key in ["annotated", "found", "patchable", "matched", "missed", "spurious", "size_mismatched", "kind_mismatched",
                    "clobber_unsafe"] {
            #expect(summary[key] is Int, "summary.\(key)")
        }
        #expect(summary["policy"] as? String == "dataflow")
        let configs = try #require(object["configs"] as? [[String: Any]])
        let first = try #require(configs.first)
        for key in ["compiler", "variant", "opt", "link", "text_bytes", "policies", "control"] {
            #expect(first[key] != nil, "configs[].\(key)")
        }
        let policies = try #require(first["policies"] as? [String: Any])
        #expect(Set(policies.keys) == ["naive", "decoded", "dataflow"])
        for (name, counts) in policies {
            #expect((counts as? [String: Any])?["patchable"] is Int, "configs[].policies.\(name).patchable")
        }
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

    static func keys(_ c: ConfigResult, _ policy: Policy) -> [String] {
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
            let object = try StudyRunTests.config(variant, opt), linked = try StudyRunTests.config(variant, opt, .linked)
            for policy in [Policy.naive, .decoded, .dataflow] {
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
