import CorpusBuild
import Foundation
import Pipeline
import SiteModel

/// The Linux A/B: for every configuration, the annotated build and the
/// build of each unannotated form (plain: C calls through `pv_ops`;
/// direct: direct calls to per-op trampolines) of the same tree (built
/// when missing), paired object by object, each pair compared across
/// builds with every policy and the control, on all cores. The result is a
/// `MeasuredStudy` like the corpus study's (Study judges it into a
/// `StudyResult`), so the same renderers and the same gate read it; each config carries `kernel`, `retpoline`, `objects`
/// and `form`.
///
/// `.S` sites stay annotated in every build (the patches change only the C
/// macros): the plain and direct builds still have their records and
/// `call *pv_ops+off`, so the scan finds them trivially.
/// `clobbers.annotated_asm` counts them apart from `annotated_c`. The
/// direct build's trampoline object (`pv_tramp.o`) has no annotated
/// counterpart and is not paired.
public struct KernelStudy: Sendable {
    public let setup: KernelSetup
    public var examplesPerCause = 3

    public init(setup: KernelSetup) { self.setup = setup }

    public enum Event: Sendable {
        case log(String)
        case building(KernelBuilder.Progress)
        case built(KernelConfig, BuildMode, seconds: Double)
        case comparing(done: Int, total: Int)
    }

    /// The forms compared for `config`: `requested`, else the plain form
    /// and, when its tree is built, the direct one (so that a study that
    /// asks for nothing builds no direct tree).
    public func forms(_ config: KernelConfig, requested: [Form]) -> [Form] {
        if !requested.isEmpty { return Form.allCases.filter(requested.contains) }
        let built = setup.isBuilt(config, .direct, patchSHA: KernelStatus.patchSHA(setup, mode: .direct))
        return built ? [.plain, .direct] : [.plain]
    }

    /// Builds what is missing (the annotated tree and one per form), then
    /// compares. Configurations whose compiler is not installed are skipped
    /// (and listed as skipped). `forms` empty: see `forms(_:requested:)`.
    public func run(_ configs: [KernelConfig], forms requested: [Form] = [], jobs: Int = 2,
                    events: (@Sendable (Event) -> Void)? = nil) throws -> MeasuredStudy {
        let available = configs.filter { KernelBuilder.isInstalled($0.compiler) }
        var skipped: [SkippedCompiler] = []
        for c in Set(configs.map(\.compiler)).sorted() where !available.contains(where: { $0.compiler == c }) {
            skipped.append(SkippedCompiler(compiler: c, reason: "\(c) is not installed"))
        }
        try KernelSource.ensure(setup) { events?(.log($0)) }
        var builder = KernelBuilder(setup: setup)
        builder.jobs = jobs
        var forms: [KernelConfig: [Form]] = [:]
        for config in available { forms[config] = self.forms(config, requested: requested) }
        var sha: [BuildMode: String?] = [:]
        for mode in BuildMode.allCases { sha[mode] = KernelStatus.patchSHA(setup, mode: mode) }
        for config in available {
            let modes = [BuildMode.annotated] + (forms[config] ?? []).map(\.mode)
            for mode in modes where !setup.isBuilt(config, mode, patchSHA: sha[mode] ?? nil) {
                events?(.log("building \(config) \(mode.rawValue) in \(setup.buildDirectory(config, mode))"))
                let seconds = try builder.build(config, mode) { events?(.building($0)) }
                events?(.built(config, mode, seconds: seconds))
            }
        }
        return compare(available, forms: { forms[$0] ?? [.plain] }, skipped: skipped, events: events)
    }

    /// The comparison alone, on trees already built: each configuration's
    /// annotated tree against the tree of each of its `forms`.
    public func compare(_ configs: [KernelConfig], forms: (KernelConfig) -> [Form] = { _ in [.plain] },
                        skipped: [SkippedCompiler] = [],
                        events: (@Sendable (Event) -> Void)? = nil) -> MeasuredStudy {
        var units: [StudyUnit] = []
        var failures: [BuildFailure] = []
        for config in configs {
            for form in forms(config) {
                let mode = form.mode
                let a = setup.buildDirectory(config, .annotated), p = setup.buildDirectory(config, mode)
                // Objects only the direct build has, by design: its trampolines
                // (the descriptor's trampoline-object; empty in the other builds).
                let unpaired = form == .direct ? config.kernel.trampolineObjects : []
                let cfg = config.buildConfiguration
                var scopes = [(Scope.subset, KernelPairs.pair(annotated: a, plain: p, subset: setup.subset, unpaired: unpaired))]
                if setup.full { scopes.append((.tree, KernelPairs.pairTree(annotated: a, plain: p, unpaired: unpaired))) }
                var reported = Set<String>()
                for (scope, pairing) in scopes {
                    // The tree's lone objects include the subset's: each said once.
                    for o in pairing.onlyAnnotated where reported.insert("a " + o).inserted {
                        failures.append(BuildFailure(configuration: cfg, mode: mode, file: o,
                                                     message: "only in the annotated build"))
                    }
                    for o in pairing.onlyPlain where reported.insert("p " + o).inserted {
                        failures.append(BuildFailure(configuration: cfg, mode: .annotated, file: o,
                                                     message: "only in the \(form) build"))
                    }
                    units.append(StudyUnit(configuration: cfg, link: .object, pairs: pairing.pairs, kernel: config.kernel.name,
                                           retpoline: config.retpolines, scope: scope, form: form,
                                           trampolinePrefix: config.kernel.trampolinePrefix))
                }
                if setup.full {
                    units.append(StudyUnit(configuration: cfg, link: .linked,
                                           pairs: [ObjectPair(annotated: a + "/vmlinux", plain: p + "/vmlinux", name: "vmlinux")],
                                           kernel: config.kernel.name, retpoline: config.retpolines, scope: .vmlinux,
                                           form: form, trampolinePrefix: config.kernel.trampolinePrefix))
                }
            }
        }
        // Op names from the first plain (or direct) object whose DWARF has pv_ops
        // (struct paravirt_patch_template: `irq.save_fl`, `mmu.write_cr3`),
        // else from an annotated one (a direct subset may never name pv_ops,
        // and its trampolines' ops are found by these names).
        // clang objects name no field of a table they only use: then the
        // images, which hold the table's definition (paravirt.c), come last.
        let objects = units.filter { $0.scope == .subset }.flatMap(\.pairs)
        let images = units.flatMap { $0.pairs.filter { $0.name == "vmlinux" } }
        let names = OpNames.firstNaming(paths: objects.map(\.plain) + objects.map(\.annotated) + images.map(\.plain))
        let measured = StudyMeasurement.run(units, names: names, examplesPerCause: examplesPerCause) { done, total in
            events?(.comparing(done: done, total: total))
        }
        var compilers: [String: String] = [:]
        for c in Set(configs.map(\.compiler)) { compilers[c] = Toolchain.version(of: c) }
        let subset = setup.full ? "the whole tree and vmlinux; subset " + setup.subset.joined(separator: " ")
            : setup.subset.joined(separator: " ")
        var result = MeasuredStudy(title: "the \(setup.kernel) A/B: \(KernelSource.describe(setup)), \(subset)",
                                   compilers: compilers, skipped: skipped, configs: measured.configs,
                                   examples: measured.examples, failures: failures + measured.failures)
        result.kernelSource = KernelSource.describe(setup)
        return result
    }
}

/// What `pvsites kernel list` says about each configuration.
public struct KernelStatus: Codable, Sendable {
    public let name: String
    public let kernel: String
    public let compiler: String
    public let opt: String
    public let retpoline: String
    public let installed: Bool
    public let annotated: Tree
    public let plain: Tree
    public let direct: Tree

    public struct Tree: Codable, Sendable {
        public let directory: String
        public let built: Bool
        /// Objects of the subset in it now (0 when not built).
        public let objects: Int
    }

    public static func of(_ configs: [KernelConfig], setup: KernelSetup) -> [KernelStatus] {
        var sha: [BuildMode: String?] = [:]
        for mode in BuildMode.allCases { sha[mode] = patchSHA(setup, mode: mode) }
        return configs.map { c in
            func tree(_ m: BuildMode) -> Tree {
                let dir = setup.buildDirectory(c, m)
                return Tree(directory: dir, built: setup.isBuilt(c, m, patchSHA: sha[m] ?? nil),
                            objects: KernelPairs.objects(in: dir, subset: setup.subset).count)
            }
            return KernelStatus(name: c.buildDirectoryName(.annotated, tag: setup.tag).replacingOccurrences(of: "-annotated", with: ""),
                                kernel: c.kernel.name, compiler: c.compiler, opt: c.opt, retpoline: c.retpolineName,
                                installed: KernelBuilder.isInstalled(c.compiler), annotated: tree(.annotated), plain: tree(.plain),
                                direct: tree(.direct))
        }
    }

    /// What build.sh records as patch-sha256 in a tree's pvsites.info: the
    /// sha256 of the plain-mode patch (annotated and plain), of the plain
    /// and the direct patch one after the other (direct).
    public static func patchSHA(_ setup: KernelSetup, mode: BuildMode = .plain) -> String? {
        let files = setup.patches(mode)
        guard files.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) else { return nil }
        let r = Subprocess.run(["sh", "-c", "cat \"$@\" | sha256sum", "sh"] + files)
        guard r.status == 0 else { return nil }
        return r.output.split(separator: " ").first.map(String.init)
    }
}
