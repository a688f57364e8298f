import Compare
import CorpusBuild
import ELF
import Foundation
import Pipeline
import RelocSites
import SiteModel
import TestSupport
import Testing

/// The two cross-build shapes that pass 1 (full chains) cannot match, each
/// from its corpus file, built in the test run and checked against
/// readelf, objdump and the line table.
@Suite("Cross-build shapes from the corpus", .serialized)
struct CrossBuildShapeTests {
    static let clangInstalled = Toolchain.version(of: "clang-14") != nil
    static let llvmDwarfdumpInstalled = (try? Command.run(["llvm-dwarfdump-14", "--version"]).status) == 0

    /// Records in `.rela.parainstructions`, as readelf lists them.
    static func recordCount(_ path: String) throws -> Int {
        let out = try Command.check(["readelf", "-rW", path])
        var on = false, n = 0
        for line in out.split(separator: "\n") {
            if line.hasPrefix("Relocation section") { on = line.contains("'.rela.parainstructions'") } else if on, line.contains("R_X86_64_") { n += 1 }
        }
        return n
    }

    /// `call`/`jmp` through the table in objdump's listing of `path`.
    static func tableCalls(_ path: String) throws -> Int {
        try Command.check(["objdump", "-drw", path]).split(separator: "\n")
            .filter { ($0.contains("\tcall ") || $0.contains("\tjmp ")) && $0.contains("R_X86_64_PC32\tparavirt_ops+") }.count
    }

    /// hoisted_site.c with clang 14: the annotated build hoists the one
    /// site above the branch (line 0 in the line table), the plain build
    /// keeps its call on line 29. The third pass pairs them.
    @Test(.enabled(if: clangInstalled && llvmDwarfdumpInstalled, "needs clang-14 and llvm-dwarfdump-14"))
    func hoistedSiteWithClang() throws {
        let cfg = BuildConfiguration(compiler: "clang-14", variant: "kernel", opt: "-O2")
        let build = try CorpusBuilder(corpus: CorpusFixture.corpus, cacheDirectory: CorpusFixture.cacheDirectory)
            .build([cfg], modes: [.annotated, .plain])
        let a = try #require(build.find(cfg, .annotated)?.objects.first { $0.source == "src/hoisted_site.c" }?.path)
        let p = try #require(build.find(cfg, .plain)?.objects.first { $0.source == "src/hoisted_site.c" }?.path)
        #expect(try Self.recordCount(a) == 1)
        #expect(try Self.tableCalls(p) == 1)
        let analysis = try Analysis(annotated: try ObjectFile(path: a), plain: try ObjectFile(path: p))
        let site = try #require(analysis.annotated.first)
        // The line table's row at the annotated site is line 0 (llvm-dwarfdump
        // lists the rows; the one covering the site starts at or before it).
        let rows = try Command.check(["llvm-dwarfdump-14", "--debug-line", a]).split(separator: "\n")
            .compactMap { line -> (UInt64, Int)? in
                let f = line.split(separator: " ", omittingEmptySubsequences: true)
                guard f.count >= 2, f[0].hasPrefix("0x"), let addr = UInt64(f[0].dropFirst(2), radix: 16),
                      let l = Int(f[1]) else { return nil }
                return (addr, l)
            }
        let row = try #require(rows.last { $0.0 <= site.offset })
        #expect(row.1 == 0)
        #expect(site.source.first?.line == 0)
        let c = try #require(analysis.comparisons[.dataflow])
        #expect(c.counts.found == 1)
        #expect(c.counts.linesMatched == 1)
        #expect(c.counts.missed == 0 && c.counts.spurious == 0)
        #expect(c.outcomes.first?.found?.source.first?.line == 29)
    }

    /// outline_copies.c with gcc -O2: the annotated build keeps one
    /// out-of-line mk_pgd (7 records), the plain build has no mk_pgd and 28
    /// calls; the 7 pair by innermost line, the other 21 are copies.
    @Test func outOfLineCopiesWithGcc() throws {
        let a = try #require(CorpusFixture.object("src/outline_copies.c", "kernel", "-O2", .annotated))
        let p = try #require(CorpusFixture.object("src/outline_copies.c", "kernel", "-O2", .plain))
        #expect(try Self.recordCount(a) == 7)
        #expect(try Self.tableCalls(p) == 28)
        let local = { (path: String) in try Command.check(["nm", path]).split(separator: "\n").contains { $0.hasSuffix(" t mk_pgd") } }
        #expect(try local(a))
        #expect(try !local(p))
        let c = try #require(try Analysis(annotated: try ObjectFile(path: a), plain: try ObjectFile(path: p)).comparisons[.dataflow])
        #expect(c.counts.found == 7)
        #expect(c.counts.inliningMatched == 7)
        #expect(c.counts.spurious == 21 && c.counts.spuriousCopiesDiffer == 21)
        #expect(c.counts.missed == 0)
    }

    /// merged_arms.c: irq_enable on both arms of an if. clang 14 folds the
    /// plain build's two calls into one (the annotated asm keeps a record
    /// per arm); gcc keeps both. The scan finds every call the plain build
    /// makes: clang's second record is a copy that build did not make,
    /// never `pointer-in-register` or `no-reference`.
    @Test func armsKeptApartByGcc() throws {
        try checkMergedArms(compiler: "gcc")
    }

    @Test(.enabled(if: clangInstalled, "needs clang-14"))
    func armsFoldedIntoOneCallByClang() throws {
        try checkMergedArms(compiler: "clang-14")
    }

    private func checkMergedArms(compiler: String) throws {
        let cfg = BuildConfiguration(compiler: compiler, variant: "kernel", opt: "-O2")
        let build = try CorpusBuilder(corpus: CorpusFixture.corpus, cacheDirectory: CorpusFixture.cacheDirectory)
            .build([cfg], modes: [.annotated, .plain])
        let a = try #require(build.find(cfg, .annotated)?.objects.first { $0.source == "src/merged_arms.c" }?.path)
        let p = try #require(build.find(cfg, .plain)?.objects.first { $0.source == "src/merged_arms.c" }?.path)
        let folded = compiler != "gcc"
        #expect(try Self.recordCount(a) == 2)
        #expect(try Self.tableCalls(p) == (folded ? 1 : 2))
        let analysis = try Analysis(annotated: try ObjectFile(path: a), plain: try ObjectFile(path: p))
        for policy in [Policy.decoded, .dataflow] {
            let c = try #require(analysis.comparisons[policy])
            #expect(c.counts.found == (folded ? 1 : 2))
            #expect(c.counts.missed == (folded ? 1 : 0))
            #expect(c.counts.missedCopiesDiffer == c.counts.missed)
            #expect(c.counts.spurious == 0)
        }
    }

    /// tail_then_cold.c, gcc retpoline -O2: restore_fl's tail jump through
    /// the thunk is followed by the out-of-line block where save_fl,
    /// loaded at the entry, is called. The jump's displacement is a
    /// relocation (its raw bytes point at the next instruction); the walk
    /// must not go on through it, or save_fl's call looks reached by two
    /// ops (merged) and its record is missed.
    @Test func relocatedTailJumpLeavesTheFunction() throws {
        let cfg = BuildConfiguration(compiler: "gcc", variant: "retpoline", opt: "-O2")
        let build = try CorpusBuilder(corpus: CorpusFixture.corpus, cacheDirectory: CorpusFixture.cacheDirectory)
            .build([cfg], modes: [.annotated, .plain])
        let a = try #require(build.find(cfg, .annotated)?.objects.first { $0.source == "src/tail_then_cold.c" }?.path)
        let p = try #require(build.find(cfg, .plain)?.objects.first { $0.source == "src/tail_then_cold.c" }?.path)
        #expect(try Self.recordCount(a) == 4)
        // objdump: four thunk branches, one of them the tail jmp, and the
        // instruction after that jmp is a thunk call.
        let lines = try Command.check(["objdump", "-drw", p]).split(separator: "\n").map(String.init)
        let thunk = lines.filter { $0.contains("R_X86_64_PLT32\t__x86_indirect_thunk_") }
        #expect(thunk.count == 4)
        let jmp = try #require(lines.firstIndex { $0.contains("\tjmp ") && $0.contains("__x86_indirect_thunk_") })
        let next = try #require(lines[(jmp + 1)...].first { $0.contains(":\t") && !$0.contains("\tnop") && !$0.contains("\tint3") })
        #expect(next.contains("\tcall "), "\(next)")
        let c = try #require(try Analysis(annotated: try ObjectFile(path: a), plain: try ObjectFile(path: p)).comparisons[.dataflow])
        #expect(c.counts.found == 4)
        #expect(c.counts.merged == 0 && c.counts.missed == 0 && c.counts.spurious == 0)
    }
}
