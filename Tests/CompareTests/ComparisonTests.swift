import CorpusBuild
import DebugInfo
import Compare
import MacroSites
import ELF
import RelocSites
import SiteModel
import TestSupport
import Testing

func site(_ offset: UInt64, op: Int64, length: Int = 6, kind: SiteKind = .call, clobbers: ClobberSet? = .cABI,
          chain: [(String, Int)] = [("a.h", 1), ("x.c", 10)]) -> Site {
    Site(section: ".text", sectionIndex: 1, offset: offset, address: offset, location: "f+\(hex(offset))",
         length: length, kind: kind, op: Op(offset: op, name: "op\(op)"), clobbers: clobbers,
         source: chain.map { SourceFrame(function: "f", file: $0.0, line: $0.1, column: 1) }, evidence: "")
}

func scan(_ sites: [Site], policy: Policy = .dataflow, references: [Reference] = []) -> RelocScan {
    RelocScan(path: "p.o", table: "paravirt_ops", policy: policy, references: references, sites: sites, findings: [])
}

@Suite("Comparison rules")
struct ComparisonTests {
    @Test func outcomesOfPairs() {
        let a = [site(0, op: 8), site(10, op: 16, chain: [("a.h", 2), ("x.c", 11)]),
                 site(20, op: 24, chain: [("a.h", 3), ("x.c", 12)]),
                 site(30, op: 32, clobbers: .rax, chain: [("e.S", 5)])]
        let r = [site(100, op: 8), site(110, op: 16, length: 2, kind: .callReg, chain: [("a.h", 2), ("x.c", 11)]),
                 site(120, op: 24, kind: .jmp, chain: [("a.h", 3), ("x.c", 12)]), site(130, op: 32, chain: [("e.S", 5)])]
        let c = Comparison.crossBuild(annotated: a, plain: scan(r))
        #expect(c.counts.matched == 1)
        #expect(c.counts.sizeMismatched == 1)
        #expect(c.counts.kindMismatched == 1)
        #expect(c.counts.clobberUnsafe == 1)
        #expect(c.counts.missed == 0 && c.counts.spurious == 0)
    }

    /// Keys compare as multisets; a second pass matches by innermost line.
    @Test func multisetAndInlining() {
        let a = [site(0, op: 8), site(10, op: 8), site(20, op: 16, chain: [("a.h", 5), ("y.c", 3)])]
        let r = [site(0, op: 8), site(30, op: 16, chain: [("a.h", 5), ("z.c", 9), ("y.c", 4)])]
        let c = Comparison.crossBuild(annotated: a, plain: scan(r))
        #expect(c.counts.matched == 2)
        #expect(c.counts.inliningMatched == 1)
        #expect(c.counts.missed == 1)
        // The surplus copy of op 8 at a.h:1 is a copy, not a miss of the scan.
        #expect(c.counts.missedCopiesDiffer == 1)
    }

    @Test func missedCausesFromEvidence() {
        let a = [site(0, op: 8, chain: [("a.h", 1), ("x.c", 10)]), site(10, op: 16, chain: [("a.h", 2), ("x.c", 11)])]
        var load = Reference(section: ".text", sectionIndex: 1, offset: 40, address: 40, location: "f+0x28", use: .load,
                             op: Op(offset: 8, name: "op8"), instruction: "movq (%rip), %rax", length: 7,
                             relocationOffset: 43, relocationType: "R_X86_64_PC32", register: "rax",
                             confirmedBySweep: true, viaGOT: false)
        load.source = [SourceFrame(function: "f", file: "a.h", line: 1, column: 1),
                       SourceFrame(function: "f", file: "x.c", line: 10, column: 1)]
        // op 16's site is in function f too: f loads the table elsewhere,
        // so its miss is the load's, not no-reference.
        let c = Comparison.crossBuild(annotated: a, plain: scan([], policy: .decoded, references: [load]))
        let causes = c.outcomes.compactMap(\.cause).map(\.rawValue).sorted()
        #expect(causes == ["pointer-in-register", "pointer-in-register"])
        // In a function g that never refers to the table: no-reference.
        var inG = a
        inG[1] = Site(section: ".text", sectionIndex: 1, offset: 10, address: 10, location: "g+0x0", length: 6,
                      kind: .call, op: Op(offset: 16, name: "op16"), clobbers: .cABI,
                      source: [SourceFrame(function: "g", file: "a.h", line: 2, column: 1),
                               SourceFrame(function: "g", file: "x.c", line: 11, column: 1)], evidence: "")
        let g = Comparison.crossBuild(annotated: inG, plain: scan([], policy: .decoded, references: [load]))
        #expect(g.outcomes.compactMap(\.cause).map(\.rawValue).sorted() == ["no-reference", "pointer-in-register"])
    }

    /// A site whose frames name functions: (function, file, line).
    static func framed(_ offset: UInt64, op: Int64, unit: String = "x.c", _ frames: [(String, String, Int)]) -> Site {
        Site(section: ".text", sectionIndex: 1, offset: offset, address: offset,
             location: "\(frames.last!.0)+\(hex(offset))", length: 6, kind: .call, op: Op(offset: op, name: nil),
             clobbers: .cABI, source: frames.map { SourceFrame(function: $0.0, file: $0.1, line: $0.2, column: 0) },
             evidence: "", unit: unit)
    }

    /// clang's line table gives the annotated asm the row before it (the
    /// function's line) and the plain call the wrapper's line: the third
    /// pass pairs them by op, functions and call sites, in order, and
    /// counts them apart. A different call site does not pair.
    @Test func thirdPassMatchesWhenOnlyTheInnermostLineDiffers() {
        let a = [Self.framed(0xc, op: 0x150, [("read_cr2", "fault.c", 1439), ("exc_page_fault", "fault.c", 1440)]),
                 Self.framed(0x40, op: 0x150, [("read_cr2", "fault.c", 1450), ("exc_page_fault", "fault.c", 1460)])]
        let r = [Self.framed(0xc, op: 0x150, [("read_cr2", "paravirt.h", 144), ("exc_page_fault", "fault.c", 1440)]),
                 Self.framed(0x50, op: 0x150, [("read_cr2", "paravirt.h", 144), ("exc_page_fault", "fault.c", 1470)])]
        let c = Comparison.crossBuild(annotated: a, plain: scan(r))
        #expect(c.counts.found == 1)
        #expect(c.counts.linesMatched == 1)
        #expect(c.counts.inliningMatched == 0)
        #expect(c.outcomes.first { $0.kind == .matched }?.linesDiffer == true)
        #expect(c.counts.missed == 1 && c.counts.spurious == 1)
    }

    /// A site at line 0 (code the compiler merged) pairs with the same op
    /// in the same function, whatever the other side's chain.
    @Test func lineZeroPairsByFunction() {
        let a = [Self.framed(0x7, op: 0x17c, [("hoisted_cr3", "hoisted_site.c", 0)])]
        let r = [Self.framed(0x5, op: 0x17c, [("hoisted_cr3", "hoisted_site.c", 29)]),
                 Self.framed(0x30, op: 0x17c, [("other", "hoisted_site.c", 40)])]
        let c = Comparison.crossBuild(annotated: a, plain: scan(r))
        #expect(c.counts.found == 1 && c.counts.linesMatched == 1)
        #expect(c.outcomes.first { $0.kind == .matched }?.found?.offset == 0x5)
        #expect(c.counts.spurious == 1)
    }

    /// A miss in an out-of-line function the plain build does not have
    /// (it inlined it into its callers) is a copy it did not make when the
    /// plain build calls the op elsewhere in the unit; no-reference when
    /// it never does.
    @Test func missInAFunctionThePlainBuildInlined() {
        let a = [Self.framed(0x0, op: 0x208, [("__pgd", "paravirt.h", 410)]),
                 Self.framed(0x40, op: 0x1f8, [("__pte", "paravirt.h", 400)])]
        var call = Reference(section: ".text", sectionIndex: 1, offset: 0x80, address: 0x80, location: "pgd_alloc+0x10",
                             use: .callMem, op: Op(offset: 0x208, name: nil), instruction: "call *(%rip)", length: 6,
                             relocationOffset: 0x82, relocationType: "R_X86_64_PC32", register: nil,
                             confirmedBySweep: true, viaGOT: false)
        call.source = [SourceFrame(function: "pgd_alloc", file: "pgtable.c", line: 12, column: 3)]
        call.unit = "x.c"
        let evidence = Evidence(scan: scan([], references: [call]), functions: ["pgd_alloc", "pgd_free.isra.0"])
        let c = Comparison.crossBuild(annotated: a, plain: scan([], references: [call]), evidence: evidence)
        let causes = Dictionary(uniqueKeysWithValues: c.outcomes.map { ($0.site.op.offset, $0.cause) })
        #expect(causes[0x208] == .copiesDiffer)
        #expect(causes[0x1f8] == .noReference)
        #expect(c.counts.realMissed == 1)
    }

    @Test func sameObjectContainment() {
        // An asm site that saves a register around its call: the call is inside.
        let a = [site(0x10, op: 8, length: 8, clobbers: .init(), chain: [("e.S", 3)])]
        let r = [site(0x11, op: 8, chain: [("e.S", 3)]), site(0x40, op: 16)]
        let c = Comparison.sameObject(annotated: a, scan: scan(r))
        #expect(c.counts.sizeMismatched == 1)
        #expect(c.counts.spurious == 1)
        #expect(c.counts.spuriousUnannotatedCall == 1)
    }
}

/// Same-object on the corpus's annotated objects: the control.
@Suite("Control on the corpus", .serialized)
struct ControlTests {
    @Test(arguments: ["-O0", "-O2", "-Os"])
    func scanFindsEveryAnnotatedSite(opt: String) throws {
        for source in CorpusFixture.corpus.sources {
            let path = try #require(CorpusFixture.object(source, "kernel", opt, .annotated))
            let file = try ObjectFile(path: path)
            let macro = try MacroScan(file: file)
            let scan = try RelocScan(file: file, options: RelocOptions(policy: .decoded))
            let c = Comparison.sameObject(annotated: macro.sites, scan: scan)
            #expect(c.counts.missed == 0, "\(source)")
            // Spurious: only calls through the table that gcc emitted from
            // C (outside #APP ... #NO_APP in gcc -S), which no record covers.
            #expect(c.counts.spurious == c.counts.spuriousUnannotatedCall, "\(source)")
            if source.hasSuffix(".c") {
                let cfg = CorpusFixture.configuration("kernel", opt)
                let asm = try Command.check(["gcc"] + CorpusFixture.corpus.cflags(cfg, mode: .annotated, source: source)
                                            + ["-S", "-o", "-", CorpusFixture.corpus.directory + "/" + source])
                var inAsm = false, fromC = 0
                for line in asm.split(separator: "\n") {
                    let t = line.trimmingCharacters(in: .whitespaces)
                    if t == "#APP" { inAsm = true } else if t == "#NO_APP" { inAsm = false }
                    if !inAsm && (t.hasPrefix("call") || t.hasPrefix("jmp")) && t.contains("*paravirt_ops") { fromC += 1 }
                }
                #expect(c.counts.spurious == fromC, "\(source)")
            } else {
                #expect(c.counts.spurious == 0, "\(source)")
            }
            // Only hand-written asm sites that save registers around the call differ in length.
            for o in c.outcomes where o.kind == .sizeMismatched {
                #expect(Comparison.isHandWrittenAsm(o.annotated!), "\(source): \(o.site.location)")
            }
            if source.hasSuffix(".c") { #expect(c.counts.matched == macro.sites.count, "\(source)") }
        }
    }
}
