import ELF
import Foundation
import RelocSites
import SiteModel
import Study
import Testing
import TestSupport
@testable import Kernel
import Pipeline

/// The direct kernel mode (direct-mode.patch): every PVOP_* a direct call to
/// a trampoline `pv_tramp_<op>`. The source tests skip when linux-source-6.1
/// is not cached; the tree tests when the direct tree of the small A/B
/// (6.1 gcc -O2 retpoline on, arch/x86/mm/) is not built.
enum KernelDirectFixture {
    static let setup = KernelFixture.setup()
    static let directSHA = KernelStatus.patchSHA(setup, mode: .direct)
    static let built = setup.isBuilt(KernelFixture.small, .annotated, patchSHA: KernelFixture.patchSHA)
        && setup.isBuilt(KernelFixture.small, .direct, patchSHA: directSHA)
    static let notBuilt = "the arch/x86/mm/ direct tree of 6.1 gcc -O2 retpoline on is not built "
        + "(pvsites kernel build --form direct --opt -O2 --retpoline on --subset arch/x86/mm/)"

    /// Per code section's relocations as `readelf -rW` lists them: those
    /// against `pv_tramp_*` symbols, those against `pv_ops`.
    static func readelf(_ path: String) throws -> (trampolines: Int, pvOps: Int, names: Set<String>) {
        var executable = Set<String>()
        for line in try Command.check(["readelf", "-SW", path]).split(separator: "\n") {
            let f = line.replacingOccurrences(of: "[ ", with: "[").split(separator: " ")
            if f.count > 7, f[0].hasPrefix("["), f[7].contains("X") { executable.insert(String(f[1])) }
        }
        var trampolines = 0, pvOps = 0
        var names = Set<String>()
        var current: String?
        for line in try Command.check(["readelf", "-rW", path]).split(separator: "\n") {
            if line.hasPrefix("Relocation section '") {
                current = String(line.split(separator: "'")[1])
                continue
            }
            let f = line.split(separator: " ")
            guard let current, f.count >= 5, executable.contains(String(current.dropFirst(".rela".count))) else { continue }
            if f[4].hasPrefix("pv_tramp_") {
                trampolines += 1
                names.insert(String(f[4]))
            }
            if f[4] == "pv_ops" { pvOps += 1 }
        }
        return (trampolines, pvOps, names)
    }

    /// The ops the PVOP_* macros of a header use (`PVOP_VCALL1(mmu.write_cr2, x)`).
    static func macroOps(_ text: String) -> Set<String> {
        let pattern = try! NSRegularExpression(pattern: #"PVOP_[A-Z_]*CALL[A-Z]*[0-9]\(\s*(?:[A-Za-z0-9_ ]+,\s*)?([a-z_]+\.[a-z0-9_.]+)"#)
        let ns = text as NSString
        return Set(pattern.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range(at: 1)) })
    }
}

@Suite struct KernelDirectPatchTests {
    @Test(KernelFixture.needs(KernelFixture.sourceCached, KernelFixture.noSource))
    func directPatchAppliesToCachedSource() throws {
        try KernelFixture.require(KernelFixture.sourceCached, KernelFixture.noSource)
        let setup = KernelDirectFixture.setup
        #expect(KernelSource.patchFailure(setup, tree: setup.pristine, mode: .direct) == nil)
    }

    /// pv_tramp.c defines a trampoline for every op a PVOP_* macro of
    /// asm/paravirt.h uses, and for no other.
    @Test(KernelFixture.needs(KernelFixture.sourceCached, KernelFixture.noSource))
    func trampolinesCoverTheMacrosOps() throws {
        try KernelFixture.require(KernelFixture.sourceCached, KernelFixture.noSource)
        let setup = KernelDirectFixture.setup
        let header = try String(contentsOfFile: setup.pristine + "/arch/x86/include/asm/paravirt.h", encoding: .utf8)
        let patch = try String(contentsOfFile: setup.versionFiles + "/direct-mode.patch", encoding: .utf8)
        let defined = patch.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("+\tPV_TRAMP(") else { return nil }
            return String(line.dropFirst("+\tPV_TRAMP(".count).prefix { $0 != ")" })
        }
        #expect(Set(defined).count == defined.count)
        #expect(Set(defined) == KernelDirectFixture.macroOps(header))
        #expect(defined.count == 83)
    }

    /// A tree the direct patch does not fit after the plain one: the error
    /// names direct-mode.patch and the hunk; the tree is not written.
    @Test func directPatchFailureNamesThePatch() throws {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("pvsites-kdirect-\(getpid())").path
        defer { try? fm.removeItem(atPath: tmp) }
        let setup = KernelSetup(kernel: KernelFixture.kernel, files: Fixtures.repositoryRoot + "/Kernels", cache: tmp + "/cache",
                                source: nil, subset: ["arch/x86/mm/"], full: false)
        // Each file the plain patch changes, as its hunks expect it (filler
        // lines up to each hunk's line number); the files it creates are not
        // written. The kernel Makefile then holds only the lines around the
        // plain patch's own hunk, not those the direct patch needs.
        let plain = try String(contentsOfFile: setup.patch, encoding: .utf8)
        var files: [String: [String]] = [:]
        var file: String?
        var inHunk = false
        for line in plain.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("+++ b/") { file = String(line.dropFirst(6)); inHunk = false; continue }
            if line.hasPrefix("@@"), let f = file {
                let start = Int(line.split(separator: " ")[1].dropFirst().split(separator: ",")[0]) ?? 0
                inHunk = start > 0
                guard inHunk else { continue }
                var text = files[f] ?? []
                while text.count < start - 1 { text.append("/* \(text.count + 1) */") }
                files[f] = text
                continue
            }
            guard inHunk, let f = file else { continue }
            if line.hasPrefix(" ") || line.hasPrefix("-") { files[f, default: []].append(String(line.dropFirst())) }
            else if line.isEmpty { files[f, default: []].append("") }
        }
        let tree = tmp + "/tree"
        for (f, lines) in files {
            let dir = (tree + "/" + f as NSString).deletingLastPathComponent
            try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try (lines.joined(separator: "\n") + "\n").write(toFile: tree + "/" + f, atomically: true, encoding: .utf8)
        }
        let header = try String(contentsOfFile: tree + "/arch/x86/include/asm/paravirt_types.h", encoding: .utf8)
        #expect(KernelSource.patchFailure(setup, tree: tree, mode: .plain) == nil)
        let failure = try #require(KernelSource.patchFailure(setup, tree: tree, mode: .direct))
        #expect(failure.hasPrefix("direct-mode.patch: "))
        #expect(failure.contains("arch/x86/kernel/Makefile"))
        #expect(try String(contentsOfFile: tree + "/arch/x86/include/asm/paravirt_types.h", encoding: .utf8) == header)
    }
}

@Suite(KernelFixture.needs(KernelDirectFixture.built, KernelDirectFixture.notBuilt))
struct KernelDirectTreeTests {
    /// Each test gets its own instance: a missing tree fails every one.
    init() throws { try KernelFixture.require(KernelDirectFixture.built, KernelDirectFixture.notBuilt) }

    /// Direct tree: the scan's trampoline references are the relocations
    /// against pv_tramp_* in code that `readelf -rW` lists, each a 5-byte
    /// direct call or jmp; every trampoline named is one pv_tramp.o defines
    /// (with the default subset built); the C objects have no
    /// `.parainstructions`, and the PVOP_* macros left no reference to
    /// pv_ops: per pair, the direct object's references to pv_ops in code
    /// are the annotated object's less its records.
    @Test func trampolineReferencesEqualReadelf() throws {
        let setup = KernelDirectFixture.setup
        let dir = setup.buildDirectory(KernelFixture.small, .direct)
        let annotated = setup.buildDirectory(KernelFixture.small, .annotated)
        var total = 0
        var named = Set<String>()
        for rel in KernelPairs.objects(in: dir, subset: setup.subset) {
            let path = dir + "/" + rel
            let counts = try KernelDirectFixture.readelf(path)
            named.formUnion(counts.names)
            let file = try ObjectFile(path: path)
            #expect(file.findSection(named: ".parainstructions") == nil, "\(rel)")
            let annotatedCounts = try KernelFixture.readelf(annotated + "/" + rel)
            #expect(counts.pvOps == annotatedCounts.pvOpsInCode - (annotatedCounts.rela[".rela.parainstructions"] ?? 0), "\(rel)")
            guard counts.trampolines > 0 else { continue }
            // The ops by name in the annotated object's table (the direct one may not describe it).
            let fields = OpNames.firstNaming(paths: [annotated + "/" + rel])
            let scan = try RelocScan(file: file, options: RelocOptions(policy: .decoded, sourcePositions: false, fieldNames: fields))
            let refs = scan.references.filter { $0.target == .trampoline }
            #expect(refs.count == counts.trampolines, "\(rel)")
            #expect(refs.allSatisfy { ($0.use == .callDirect || $0.use == .jmpDirect) && $0.length == 5 }, "\(rel)")
            // The op the name gives: pv_tramp_mmu.write_cr3 is mmu.write_cr3.
            #expect(refs.allSatisfy { $0.op?.name.map { counts.names.contains("pv_tramp_" + $0) } ?? false }, "\(rel)")
            total += refs.count
        }
        #expect(total > 0)
        let tramp = dir + "/arch/x86/kernel/pv_tramp.o"
        if FileManager.default.fileExists(atPath: tramp) {
            var defined = Set<String>()
            for line in try Command.check(["nm", "--defined-only", tramp]).split(separator: "\n") {
                let f = line.split(separator: " ").map(String.init)
                if f.count == 3, f[1] == "T", f[2].hasPrefix("pv_tramp_") { defined.insert(f[2]) }
            }
            #expect(defined.count == 83)
            #expect(named.isSubset(of: defined), "\(named.subtracting(defined).sorted())")
        }
    }

    /// The small A/B in the direct form (arch/x86/mm/, which never names
    /// pv_ops in the direct build: op names from the annotated objects):
    /// every annotated site found by decoded and dataflow, at 5 bytes, and
    /// nothing spurious but copies-differ (gcc 12.2, 6.1.192: 267 sites,
    /// 335 direct calls).
    @Test func smallDirectStudy() throws {
        let result = KernelStudy(setup: KernelDirectFixture.setup).compare([KernelFixture.small], forms: { _ in [.direct] })
        #expect(result.failures.isEmpty)
        let config = try #require(result.configs.first)
        #expect(config.form == .direct)
        #expect(config.name.hasSuffix(" direct"))
        for policy in [Policy.decoded, .dataflow] {
            let c = try #require(config.policies[policy])
            #expect(c.annotated == 267, "\(policy)")
            #expect(c.found == c.annotated, "\(policy)")
            #expect(c.scanned == 335, "\(policy)")
            #expect(c.realMissed == 0 && c.realSpurious == 0, "\(policy)")
            #expect(c.sizeMismatched + c.kindMismatched == c.found, "\(policy): 5-byte direct calls against 6-byte records")
        }
    }
}
