import CorpusBuild
import Foundation
import Gate
import MacroSites
import RelocSites
import Study
import Testing
import TestSupport
import ELF
@testable import Kernel
import Pipeline

/// The Linux A/B on the real trees in the cache. Everything here skips,
/// saying why, when linux-source-6.1 is not in the cache or the trees it
/// reads are not built (`pvsites kernel build` does both), unless
/// `PVSITES_REQUIRE_KERNEL_TREES=1` (`make test-kernel-trees`, which builds
/// them first): then a missing source or tree fails the test.
enum KernelFixture {
    static let kernel = KernelVersion.named("6.1", in: Fixtures.repositoryRoot + "/Kernels")!

    /// `PVSITES_REQUIRE_KERNEL_TREES=1`: a missing tree fails instead of skipping.
    static let requireTrees = ProcessInfo.processInfo.environment["PVSITES_REQUIRE_KERNEL_TREES"] == "1"

    /// Enables a test when what it reads is there, or when the trees are
    /// required (`require` then fails it).
    static func needs(_ present: Bool, _ reason: String) -> ConditionTrait {
        .enabled(if: requireTrees || present, Comment(rawValue: reason))
    }

    /// Fails the test, saying what to build, when what it reads is not there.
    static func require(_ present: Bool, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try #require(present, Comment(rawValue: reason), sourceLocation: sourceLocation)
    }

    static let noSource = "linux-source-6.1 is not in the cache (pvsites kernel build fetches it)"
    static func setup(_ subset: [String] = ["arch/x86/mm/"]) -> KernelSetup {
        KernelSetup(kernel: kernel, files: Fixtures.repositoryRoot + "/Kernels", cache: RealKernels.directory,
                    source: nil, subset: subset, full: false)
    }

    static let sourceCached = KernelSource.isCached(setup())
    static let patchSHA = KernelStatus.patchSHA(setup())
    /// The small A/B: arch/x86/mm/ at -O2 with retpolines (the kernel's defaults).
    static let small = KernelConfig(kernel: kernel, compiler: "gcc", opt: "-O2", retpoline: true)
    static let smallBuilt = [BuildMode.annotated, .plain].allSatisfy { setup().isBuilt(small, $0, patchSHA: patchSHA) }
    static let notBuilt = "the arch/x86/mm/ trees of 6.1 gcc -O2 retpoline on are not built "
        + "(pvsites kernel build --opt -O2 --retpoline on --subset arch/x86/mm/)"
    /// Every tree of the default matrix that is built, in any mode.
    static let builtTrees: [(KernelConfig, BuildMode)] = {
        let s = setup()
        return KernelConfig.matrix(kernel: kernel, compilers: ["gcc"], opts: KernelConfig.opts, retpolines: [true, false])
            .flatMap { c in BuildMode.allCases.map { (c, $0) } }
            .filter { s.isBuilt($0.0, $0.1, patchSHA: KernelStatus.patchSHA(s, mode: $0.1)) }
    }()

    /// Relocation entries `readelf -rW` lists per relocation section, and
    /// those against `pv_ops` in sections that hold code.
    static func readelf(_ path: String) throws -> (rela: [String: Int], pvOpsInCode: Int) {
        var executable = Set<String>()
        for line in try Command.check(["readelf", "-SW", path]).split(separator: "\n") {
            // [Nr] Name Type Address Off Size ES Flg ...
            let f = line.replacingOccurrences(of: "[ ", with: "[").split(separator: " ")
            if f.count > 7, f[0].hasPrefix("["), f[7].contains("X") { executable.insert(String(f[1])) }
        }
        var rela: [String: Int] = [:]
        var pvOps = 0
        var current: String?
        for line in try Command.check(["readelf", "-rW", path]).split(separator: "\n") {
            if line.hasPrefix("Relocation section '") {
                let name = line.split(separator: "'")[1]
                current = String(name)
                let n = line.split(separator: " ").firstIndex(of: "contains").map { Int(line.split(separator: " ")[$0 + 1]) ?? 0 } ?? 0
                rela[String(name), default: 0] += n
                continue
            }
            let f = line.split(separator: " ")
            if let current, f.count >= 5, f[4] == "pv_ops", executable.contains(String(current.dropFirst(".rela".count))) {
                pvOps += 1
            }
        }
        return (rela, pvOps)
    }
}

@Suite struct KernelSourceTests {
    @Test(KernelFixture.needs(KernelFixture.sourceCached, KernelFixture.noSource))
    func plainPatchAppliesToCachedSource() throws {
        try KernelFixture.require(KernelFixture.sourceCached, KernelFixture.noSource)
        let setup = KernelFixture.setup()
        #expect(KernelSource.patchFailure(setup, tree: setup.pristine) == nil)
    }

    /// `make olddefconfig` kept every option the fragments set: read the
    /// .config of every built tree (build.sh checks it too, and stops).
    @Test(KernelFixture.needs(!KernelFixture.builtTrees.isEmpty, "no 6.1 tree is built (pvsites kernel build)"))
    func fragmentsSurviveOlddefconfig() throws {
        try KernelFixture.require(!KernelFixture.builtTrees.isEmpty, "no 6.1 tree is built (pvsites kernel build)")
        let setup = KernelFixture.setup()
        for (config, mode) in KernelFixture.builtTrees {
            let dotConfig = try String(contentsOfFile: setup.buildDirectory(config, mode) + "/.config", encoding: .utf8)
            let lines = Set(dotConfig.split(separator: "\n").map(String.init))
            let set = Set(lines.filter { $0.hasPrefix("CONFIG_") }.map { String($0.prefix { $0 != "=" }) })
            for fragment in ["config", "opt-\(config.opt.dropFirst())", "retpoline-\(config.retpolineName)"] {
                let text = try String(contentsOfFile: "\(setup.versionFiles)/\(fragment).fragment", encoding: .utf8)
                for line in text.split(separator: "\n").map(String.init) {
                    if line.hasPrefix("CONFIG_") {
                        #expect(lines.contains(line), "\(config) \(mode.rawValue): \(fragment).fragment: \(line)")
                    } else if line.hasPrefix("# CONFIG_"), line.hasSuffix(" is not set") {
                        let symbol = String(line.dropFirst(2).prefix { $0 != " " })
                        #expect(!set.contains(symbol), "\(config) \(mode.rawValue): \(fragment).fragment: \(line)")
                    }
                }
            }
        }
    }

    /// A tree the patch does not fit: build.sh names the version and the
    /// hunk, and writes nothing into the tree.
    @Test func patchFailureSaysWhichHunk() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-kernel-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let tree = tmp + "/tree"
        try FileManager.default.createDirectory(atPath: tree + "/arch/x86/include/asm", withIntermediateDirectories: true)
        try "VERSION = 6\nPATCHLEVEL = 9\nSUBLEVEL = 3\n".write(toFile: tree + "/Makefile", atomically: true, encoding: .utf8)
        let header = (1 ... 600).map(String.init).joined(separator: "\n") + "\n"
        try header.write(toFile: tree + "/arch/x86/include/asm/paravirt_types.h", atomically: true, encoding: .utf8)
        let setup = KernelSetup(kernel: KernelFixture.kernel, files: Fixtures.repositoryRoot + "/Kernels", cache: tmp + "/cache",
                                source: tree, subset: ["arch/x86/mm/"], full: false)
        let builder = KernelBuilder(setup: setup)
        #expect {
            try builder.build(KernelFixture.small, .annotated)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("does not apply") && text.contains("Linux 6.9.3") && text.contains("Hunk #1 FAILED")
                && text.contains("arch/x86/include/asm/paravirt_types.h")
        }
        let after = try String(contentsOfFile: tree + "/arch/x86/include/asm/paravirt_types.h", encoding: .utf8)
        #expect(after == header)
        #expect(!FileManager.default.fileExists(atPath: tree + "/arch/x86/include/asm/paravirt_types.h.orig"))
    }
}

@Suite struct KernelPairsTests {
    /// Members of multi-object modules (listed in a `.mod`) and thin
    /// archives are left out, as check.py leaves them out.
    @Test func leavesOutCompositeAndNonELF() throws {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("pvsites-pairs-\(getpid())").path
        defer { try? fm.removeItem(atPath: tmp) }
        let elf = Data([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])
        for tree in ["a", "p"] {
            try fm.createDirectory(atPath: "\(tmp)/\(tree)/mm/sub", withIntermediateDirectories: true)
            for o in ["mm/x.o", "mm/sub/y.o", "mm/m1.o", "mm/m2.o"] { #expect(fm.createFile(atPath: "\(tmp)/\(tree)/\(o)", contents: elf)) }
            #expect(fm.createFile(atPath: "\(tmp)/\(tree)/mm/m.o", contents: Data("!<thin>\n".utf8)))
            try "mm/m1.o mm/m2.o\n".write(toFile: "\(tmp)/\(tree)/mm/m.mod", atomically: true, encoding: .utf8)
        }
        #expect(fm.createFile(atPath: "\(tmp)/a/mm/only.o", contents: elf))
        let pairing = KernelPairs.pair(annotated: tmp + "/a", plain: tmp + "/p", subset: ["mm/"])
        #expect(pairing.pairs.map(\.name) == ["mm/m1.o", "mm/m2.o", "mm/sub/y.o", "mm/x.o"])
        #expect(pairing.onlyAnnotated == ["mm/only.o"])
        #expect(pairing.onlyPlain.isEmpty)
    }
}

@Suite(KernelFixture.needs(KernelFixture.smallBuilt, KernelFixture.notBuilt))
struct KernelIndependentCheckTests {
    /// Each test gets its own instance: a missing tree fails every one.
    init() throws { try KernelFixture.require(KernelFixture.smallBuilt, KernelFixture.notBuilt) }

    /// Annotated tree: every record MacroSites reads is one entry of
    /// `.rela.parainstructions` as `readelf -rW` lists it.
    @Test func annotatedRecordsEqualReadelf() throws {
        let setup = KernelFixture.setup()
        let dir = setup.buildDirectory(KernelFixture.small, .annotated)
        var total = 0
        for rel in KernelPairs.objects(in: dir, subset: setup.subset) {
            let path = dir + "/" + rel
            let expected = try KernelFixture.readelf(path).rela[".rela.parainstructions"] ?? 0
            let records = try MacroScan(file: try ObjectFile(path: path), options: MacroOptions(sourcePositions: false)).records
            #expect(records == expected, "\(rel)")
            total += records
        }
        #expect(total > 0)
    }

    /// Plain tree: C objects have no `.parainstructions`, and the scan's
    /// references are the relocations against pv_ops in code sections.
    @Test func plainReferencesEqualReadelf() throws {
        let setup = KernelFixture.setup()
        let dir = setup.buildDirectory(KernelFixture.small, .plain)
        var total = 0
        for rel in KernelPairs.objects(in: dir, subset: setup.subset) {
            let path = dir + "/" + rel
            let counts = try KernelFixture.readelf(path)
            let file = try ObjectFile(path: path)
            let isAsm = FileManager.default.fileExists(atPath: setup.pristine + "/" + rel.dropLast(2) + ".S")
            if !isAsm { #expect(file.findSection(named: ".parainstructions") == nil, "\(rel)") }
            guard counts.pvOpsInCode > 0 else { continue }
            let scan = try RelocScan(file: file, options: RelocOptions(policy: .decoded, sourcePositions: false))
            #expect(scan.references.count == counts.pvOpsInCode, "\(rel)")
            total += scan.references.count
        }
        #expect(total > 0)
    }

    /// The small A/B: exact counts and site keys of every policy against
    /// Kernels/baseline-6.1-x86-mm.json (`make kernel-baseline` rewrites it).
    @Test func smallABMatchesBaseline() throws {
        let result = KernelStudy(setup: KernelFixture.setup()).compare([KernelFixture.small])
        #expect(result.failures.isEmpty)
        let config = try #require(result.configs.first)
        #expect(config.kernel == "6.1")
        #expect(config.retpoline == .on)
        #expect((config.objects ?? 0) > 0)
        let baseline = try GateBaseline.load(path: Fixtures.repositoryRoot + "/Kernels/baseline-6.1-x86-mm.json")
        let measured = GateBaseline(StudyResult(result))
        #expect(measured.configs == baseline.configs)
    }
}
