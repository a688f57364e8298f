import CorpusBuild
import Foundation
import Testing
import TestSupport
import ELF
import MacroSites
import Gate
import Study
@testable import Kernel

/// Linux 6.12's annotated sites against readelf, decoded here and not by
/// MacroSites: a pv call is an `.altinstructions` record (14 bytes: s32
/// instr_offset, s32 repl_offset, u32 ft_flags = cpuid | flags << 16, u8
/// instrlen, u8 replacementlen) with ALT_FLAG_DIRECT_CALL (1 << 1 of the
/// flags, arch/x86/include/asm/alternative.h), whose instruction is `call
/// *pv_ops+off(%rip)` (its disp32, two bytes in, relocated against pv_ops).
/// Reads the arch/x86/mm/ trees of 6.12 gcc -O2 retpoline off in the cache
/// (`PVSITES_CACHE`, else ~/.cache/pvsites).
@Suite(KernelFixture.needs(Kernel612Fixture.built, Kernel612Fixture.notBuilt))
struct Kernel612CheckTests {
    init() throws { try KernelFixture.require(Kernel612Fixture.built, Kernel612Fixture.notBuilt) }

    /// Every object of the annotated tree: the sites MacroScan reads are
    /// the records whose flags have ALT_FLAG_DIRECT_CALL, each on a call
    /// through pv_ops; the others (cpu features, and the native
    /// replacements of PVOP_ALT_* under ALT_NOT(X86_FEATURE_XENPV), which
    /// share a site's address) are not sites.
    @Test func annotatedSitesAreTheDirectCallRecords() throws {
        let (setup, config) = Kernel612Fixture.setupAndConfig()
        let dir = setup.buildDirectory(config, .annotated)
        var total = 0
        for rel in KernelPairs.objects(in: dir, subset: setup.subset) {
            let path = dir + "/" + rel
            let records = try Kernel612Fixture.altRecords(path)
            let relocations = try Kernel612Fixture.relocations(path)
            let direct = records.indices.filter { records[$0].flags & 0x2 != 0 }
            for k in direct {
                // The record's instr_offset field is relocated against the site.
                let site = try #require(relocations[".rela.altinstructions"]?[UInt64(14 * k)], "\(rel): record \(k)")
                let code = ".rela" + site.symbol
                #expect(relocations[code]?[site.addend + 2]?.symbol == "pv_ops", "\(rel): record \(k) at \(site.symbol)+\(site.addend)")
                #expect(records[k].instrlen == 6 && records[k].replacementlen == 5, "\(rel): record \(k)")
            }
            let scan = try MacroScan(file: try ObjectFile(path: path), options: MacroOptions(sourcePositions: false))
            #expect(scan.sites.count == direct.count, "\(rel)")
            #expect(scan.records == records.count, "\(rel)")
            // The others apart: a native replacement shares a direct-call
            // record's instruction (its instr_offset is relocated alike).
            let at = { (k: Int) in relocations[".rela.altinstructions"]?[UInt64(14 * k)].map { "\($0.symbol)+\($0.addend)" } }
            let sitePlaces = Set(direct.compactMap(at))
            let native = records.indices.filter { records[$0].flags & 0x2 == 0 && at($0).map(sitePlaces.contains) == true }
            #expect(scan.otherRecords == records.count - direct.count, "\(rel)")
            #expect(scan.nativeReplacements == native.count, "\(rel)")
            total += direct.count
        }
        #expect(total > 0)
    }

    /// The plain tree's C objects carry no direct-call record.
    @Test func plainObjectsCarryNoDirectCallRecord() throws {
        let (setup, config) = Kernel612Fixture.setupAndConfig()
        let dir = setup.buildDirectory(config, .plain)
        let objects = KernelPairs.objects(in: dir, subset: setup.subset)
        #expect(!objects.isEmpty)
        for rel in objects {
            let flagged = try Kernel612Fixture.altRecords(dir + "/" + rel).filter { $0.flags & 0x2 != 0 }
            #expect(flagged.isEmpty, "\(rel)")
        }
    }
}

/// The small 6.12 A/B (arch/x86/mm/, gcc -O2, retpolines on, the plain
/// form): exact counts and site keys of every policy against
/// Kernels/baseline-6.12-x86-mm.json (`make kernel-baseline KERNEL=6.12`
/// rewrites it).
@Suite(KernelFixture.needs(Kernel612Fixture.builtOn, Kernel612Fixture.notBuiltOn))
struct Kernel612BaselineTests {
    init() throws { try KernelFixture.require(Kernel612Fixture.builtOn, Kernel612Fixture.notBuiltOn) }

    @Test func smallABMatchesBaseline() throws {
        let (setup, config) = Kernel612Fixture.setupAndConfig(retpoline: true)
        let result = KernelStudy(setup: setup).compare([config])
        #expect(result.failures.isEmpty)
        let measured = try #require(result.configs.first)
        #expect(measured.kernel == "6.12")
        #expect(measured.retpoline == .on)
        #expect((measured.objects ?? 0) > 0)
        let baseline = try GateBaseline.load(path: Fixtures.repositoryRoot + "/Kernels/baseline-6.12-x86-mm.json")
        #expect(GateBaseline(StudyResult(result)).configs == baseline.configs)
    }
}

enum Kernel612Fixture {
    static let kernel = KernelVersion.named("6.12", in: Fixtures.repositoryRoot + "/Kernels")
    static let notBuilt = "the arch/x86/mm/ trees of 6.12 gcc -O2 retpoline off are not built "
        + "(pvsites kernel build --kernel 6.12 --opt -O2 --retpoline off --subset arch/x86/mm/)"

    static let notBuiltOn = "the arch/x86/mm/ trees of 6.12 gcc -O2 retpoline on are not built "
        + "(pvsites kernel build --kernel 6.12 --opt -O2 --retpoline on --subset arch/x86/mm/)"

    static func setupAndConfig(retpoline: Bool = false) -> (KernelSetup, KernelConfig) {
        let k = kernel!
        let setup = KernelSetup(kernel: k, files: Fixtures.repositoryRoot + "/Kernels", cache: RealKernels.directory,
                                source: nil, subset: ["arch/x86/mm/"], full: false)
        return (setup, KernelConfig(kernel: k, compiler: "gcc", opt: "-O2", retpoline: retpoline))
    }

    /// The annotated and plain trees of -O2 with retpolines `retpoline` are built.
    static func isBuilt(retpoline: Bool) -> Bool {
        guard kernel != nil else { return false }
        let (setup, config) = setupAndConfig(retpoline: retpoline)
        return [BuildMode.annotated, .plain].allSatisfy {
            setup.isBuilt(config, $0, patchSHA: KernelStatus.patchSHA(setup, mode: $0))
        }
    }
    static let built = isBuilt(retpoline: false)
    static let builtOn = isBuilt(retpoline: true)

    struct AltRecord { let flags: UInt16; let instrlen: UInt8; let replacementlen: UInt8 }

    /// `.altinstructions` as `readelf -x` dumps it, cut into 14-byte records.
    static func altRecords(_ path: String) throws -> [AltRecord] {
        let r = try Command.run(["readelf", "-x", ".altinstructions", path])
        var bytes: [UInt8] = []
        for line in r.stdout.split(separator: "\n") {
            let f = line.split(separator: " ")
            guard let first = f.first, first.hasPrefix("0x") else { continue }
            // the address, up to four groups of 8 hex digits, then the ASCII
            for g in f.dropFirst().prefix(4) where g.count % 2 == 0 && g.allSatisfy(\.isHexDigit) {
                var i = g.startIndex
                while i < g.endIndex {
                    let j = g.index(i, offsetBy: 2)
                    bytes.append(UInt8(g[i ..< j], radix: 16)!)
                    i = j
                }
            }
        }
        try #require(bytes.count % 14 == 0, "\(path): .altinstructions is \(bytes.count) bytes")
        var records: [AltRecord] = []
        for o in stride(from: 0, to: bytes.count, by: 14) {
            let low = UInt16(bytes[o + 10]), high = UInt16(bytes[o + 11])
            records.append(AltRecord(flags: low | (high << 8), instrlen: bytes[o + 12], replacementlen: bytes[o + 13]))
        }
        return records
    }

    /// `readelf -rW`: per relocation section, offset → symbol (a section's
    /// relocations name the section) and addend.
    static func relocations(_ path: String) throws -> [String: [UInt64: (symbol: String, addend: UInt64)]] {
        var out: [String: [UInt64: (symbol: String, addend: UInt64)]] = [:]
        var current: String?
        for line in try Command.check(["readelf", "-rW", path]).split(separator: "\n") {
            if line.hasPrefix("Relocation section '") {
                current = String(line.split(separator: "'")[1])
                continue
            }
            // Offset Info Type Sym.Value Sym.Name + Addend
            let f = line.split(separator: " ")
            guard let current, f.count >= 7, let offset = UInt64(f[0], radix: 16), f[5] == "+" || f[5] == "-" else { continue }
            let addend = UInt64(f[6], radix: 16) ?? 0
            out[current, default: [:]][offset] = (String(f[4]), f[5] == "+" ? addend : 0 &- addend)
        }
        return out
    }
}
