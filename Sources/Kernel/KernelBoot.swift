import CorpusBuild
import ELF
import Foundation
import MacroSites
import Records
import RelocSites

/// The boot proof: records made from a relocation scan of the plain (or
/// direct) vmlinux are linked into that kernel's `.parainstructions`, and
/// the kernel is booted under QEMU, where Linux's own `apply_paravirt()`
/// patches them and says how many it applied. Beside it, the controls: the
/// annotated kernel (its own records) and the plain kernel without records.
///
/// The order of the steps matters:
/// 1. the trees are whole-kernel builds (`--full`: vmlinux and bzImage);
/// 2. records come from the tree's own vmlinux (`pvsites records`' maker:
///    whole instructions, >= 5 bytes, no branch into the middle), minus the
///    sites the image already has a record for (hand-written `.S` sites stay
///    annotated in every build), and pass the patch simulator first;
/// 3. build.sh --records links them into the tree (then relinks it without
///    them; the images are kept apart), addressed as `_text + off` so KASLR
///    relocates them; the linked image's `.text` must be laid out as the
///    scanned one's (every function where it was), else the addresses
///    would be wrong;
/// 4. QEMU boots that bzImage with the initramfs, under a time limit: on
///    QEMU's machine, or as Xen's dom0 (XenBoot), where pv_ops hold Xen's
///    functions.
public struct KernelBoot: Sendable {
    public let setup: KernelSetup
    public var qemu = QEMUBoot()
    public var jobs = 2

    public init(setup: KernelSetup) { self.setup = setup }

    /// One kernel to boot: the tree, and the policy whose records it
    /// carries (nil: the tree as built).
    public struct Plan: Sendable, Hashable, CustomStringConvertible {
        public let config: KernelConfig
        public let mode: BuildMode
        public let policy: Policy?

        public init(config: KernelConfig, mode: BuildMode, policy: Policy?) {
            self.config = config
            self.mode = mode
            self.policy = policy
        }

        public var description: String {
            "\(config) \(mode.rawValue)" + (policy.map { " + \($0.rawValue) records" } ?? "")
        }

        /// `plain-decoded`: the records file's and the copy's name.
        var recordsName: String { "\(mode.rawValue)-\(policy?.rawValue ?? "none")" }
    }

    /// The boots of `configs`: the annotated control, each form without
    /// records, and each form with the records of each policy.
    public static func plans(_ configs: [KernelConfig], forms: [BuildMode], policies: [Policy]) -> [Plan] {
        configs.flatMap { c in
            [Plan(config: c, mode: .annotated, policy: nil)] + forms.flatMap { m in
                [Plan(config: c, mode: m, policy: nil)] + policies.map { Plan(config: c, mode: m, policy: $0) }
            }
        }
    }

    /// One boot's entry in `boots[]` (a contract: kernel, mode, policy,
    /// hypervisor, records, applied, result, seconds, log).
    public struct Entry: Codable, Sendable {
        public let kernel: String
        public let mode: String
        public let policy: String?
        /// `none`: the kernel on QEMU's machine; `xen`: as Xen's dom0.
        public let hypervisor: QEMUBoot.Hypervisor
        /// Records in the booted image's `.parainstructions`: the annotated
        /// build's own, or the scan's plus the `.S` sites' the tree keeps;
        /// for a kernel that did not link (`link-failed`), the scan's.
        public let records: Int
        /// Records made from the scan (absent for a tree as built).
        public let scanRecords: Int?
        /// Scan sites no record was made for, by reason.
        public let refused: [String: Int]?
        /// Scan sites left out because the image already has their record.
        public let alreadyAnnotated: Int?
        /// The patch simulator on the scanned image.
        public let check: PatchCheck?
        /// The image with the records lays out `.text` as the scanned one:
        /// the same address and size, every function where it was.
        public let textUnchanged: Bool?
        public let applied: Int?
        public let result: BootLog.Result
        public let seconds: Double
        public let log: String
        /// The log lines that show the result.
        public let evidence: [String]
        /// The kernel's WARNING lines (BootLog.warnings).
        public let warnings: [String]
        public let image: String

        enum CodingKeys: String, CodingKey {
            case kernel, mode, policy, hypervisor, records, refused, check, applied, result, seconds, log, evidence, image
            case warnings
            case scanRecords = "scan_records"
            case alreadyAnnotated = "already_annotated"
            case textUnchanged = "text_layout_unchanged"
        }

        init(kernel: String, mode: String, policy: String?, hypervisor: QEMUBoot.Hypervisor = .none, records: Int,
             scanRecords: Int?, refused: [String: Int]?, alreadyAnnotated: Int?, check: PatchCheck?, textUnchanged: Bool?,
             applied: Int?, result: BootLog.Result, seconds: Double, log: String, evidence: [String],
             warnings: [String] = [], image: String) {
            self.kernel = kernel
            self.mode = mode
            self.policy = policy
            self.hypervisor = hypervisor
            self.records = records
            self.scanRecords = scanRecords
            self.refused = refused
            self.alreadyAnnotated = alreadyAnnotated
            self.check = check
            self.textUnchanged = textUnchanged
            self.applied = applied
            self.result = result
            self.seconds = seconds
            self.log = log
            self.evidence = evidence
            self.warnings = warnings
            self.image = image
        }

        // Written out for two fields: boots recorded before Xen have no
        // `hypervisor` (they were all on QEMU's machine), and before
        // warnings were read, no `warnings`.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            kernel = try c.decode(String.self, forKey: .kernel)
            mode = try c.decode(String.self, forKey: .mode)
            policy = try c.decodeIfPresent(String.self, forKey: .policy)
            hypervisor = try c.decodeIfPresent(QEMUBoot.Hypervisor.self, forKey: .hypervisor) ?? .none
            records = try c.decode(Int.self, forKey: .records)
            scanRecords = try c.decodeIfPresent(Int.self, forKey: .scanRecords)
            refused = try c.decodeIfPresent([String: Int].self, forKey: .refused)
            alreadyAnnotated = try c.decodeIfPresent(Int.self, forKey: .alreadyAnnotated)
            check = try c.decodeIfPresent(PatchCheck.self, forKey: .check)
            textUnchanged = try c.decodeIfPresent(Bool.self, forKey: .textUnchanged)
            applied = try c.decodeIfPresent(Int.self, forKey: .applied)
            result = try c.decode(BootLog.Result.self, forKey: .result)
            seconds = try c.decode(Double.self, forKey: .seconds)
            log = try c.decode(String.self, forKey: .log)
            evidence = try c.decode([String].self, forKey: .evidence)
            warnings = try c.decodeIfPresent([String].self, forKey: .warnings) ?? []
            image = try c.decode(String.self, forKey: .image)
        }
    }

    public enum Event: Sendable {
        case log(String)
        case booted(Entry)
    }

    /// Where a plan's records, copy and log live: `<cache>/boot/<tree>/`.
    public func directory(_ plan: Plan) -> String {
        setup.cache + "/boot/" + plan.config.buildDirectoryName(.annotated, tag: setup.tag)
            .replacingOccurrences(of: "-annotated", with: "")
    }

    /// Boots every plan in order; a failed boot is an entry, not an error.
    /// Throws when a tree is missing or a step before the boot fails.
    public func run(_ plans: [Plan], events: (@Sendable (Event) -> Void)? = nil) throws -> [Entry] {
        let initramfs = try BootInitramfs.ensure(setup)
        var entries: [Entry] = []
        // vmlinux.o is read once per tree, not once per policy.
        var anchors = AnchorCache()
        for plan in plans {
            let entry = try boot(plan, initramfs: initramfs, anchors: &anchors, events: events)
            events?(.booted(entry))
            entries.append(entry)
        }
        return entries
    }

    /// The anchors of each tree's vmlinux.o, made when first asked.
    struct AnchorCache {
        private var byImage: [String: RecordAnchors] = [:]

        mutating func anchors(image: ObjectFile, vmlinux: String) throws -> RecordAnchors {
            if let a = byImage[vmlinux] { return a }
            let object = URL(fileURLWithPath: vmlinux).deletingLastPathComponent().appendingPathComponent("vmlinux.o").path
            let a = RecordAnchors(object: try ObjectFile(path: object), image: image)
            byImage[vmlinux] = a
            return a
        }
    }

    func boot(_ plan: Plan, initramfs: String, anchors: inout AnchorCache,
              events: (@Sendable (Event) -> Void)?) throws -> Entry {
        let tree = setup.buildDirectory(plan.config, plan.mode)
        let fm = FileManager.default
        for f in ["vmlinux", "arch/x86/boot/bzImage"] where !fm.fileExists(atPath: tree + "/" + f) {
            throw KernelError.missingFiles("\(tree)/\(f) (build the whole kernel first: pvsites kernel build --full)")
        }
        let dir = directory(plan)
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        var image = tree
        var made: MadeRecords?
        if let policy = plan.policy {
            events?(.log("\(plan): making records from \(tree)/vmlinux"))
            let records = try Self.records(vmlinux: tree + "/vmlinux", policy: policy, layout: setup.kernel.recordLayout,
                                           section: setup.kernel.recordSection, anchors: &anchors)
            let file = dir + "/" + plan.recordsName + ".S"
            try records.assembly.write(toFile: file, atomically: true, encoding: .utf8)
            events?(.log("\(plan): linking \(records.records) records (\(file))"))
            do {
                image = try link(plan, records: file)
            } catch let KernelError.buildFailed(_, _, message, lines, _) {
                // A kernel the records do not link into is this policy's
                // result, not the end of the run.
                events?(.log("\(plan): the records did not link: \(message)"))
                return Entry(kernel: plan.config.description, mode: plan.mode.rawValue, policy: policy.rawValue,
                             hypervisor: qemu.hypervisor, records: records.records, scanRecords: records.records, refused: records.refused,
                             alreadyAnnotated: records.alreadyAnnotated, check: records.check, textUnchanged: nil,
                             applied: nil, result: .linkFailed, seconds: 0, log: file,
                             evidence: Array(([message] + lines).prefix(6)), image: "")
            }
            made = records
            made?.textUnchanged = try Self.sameCodeLayout(tree + "/vmlinux", image + "/vmlinux", records: records.addresses)
        }
        let inImage = try Self.recordCount(image + "/vmlinux", layout: setup.kernel.recordLayout,
                                           section: setup.kernel.recordSection)
        // A Xen boot's log beside the bare one's, not over it.
        let suffix = qemu.xen == nil ? "" : "-xen"
        let log = dir + "/" + plan.recordsName.replacingOccurrences(of: "-none", with: "") + suffix + ".log"
        events?(.log("\(plan): booting \(image)/arch/x86/boot/bzImage (log \(log))"))
        let run = try qemu.boot(kernel: image + "/arch/x86/boot/bzImage", initramfs: initramfs, serialLog: log)
        return Entry(kernel: plan.config.description, mode: plan.mode.rawValue, policy: plan.policy?.rawValue,
                     hypervisor: qemu.hypervisor, records: inImage, scanRecords: made?.records, refused: made?.refused,
                     alreadyAnnotated: made?.alreadyAnnotated, check: made?.check, textUnchanged: made?.textUnchanged,
                     applied: run.log.applied, result: run.log.result, seconds: (run.seconds * 10).rounded() / 10,
                     log: log, evidence: run.log.evidence, warnings: run.log.warnings,
                     image: image + "/arch/x86/boot/bzImage")
    }

    /// The second link: build.sh --records.
    func link(_ plan: Plan, records file: String) throws -> String {
        var builder = KernelBuilder(setup: setup)
        builder.jobs = jobs
        return try builder.linkRecords(plan.config, plan.mode, records: file)
    }

    /// Records made from a scan of a linked image, ready to link again.
    public struct MadeRecords: Sendable {
        public let records: Int
        public let refused: [String: Int]
        public let alreadyAnnotated: Int
        public let check: PatchCheck
        public let assembly: String
        /// The records' addresses (in the scanned image).
        public let addresses: [UInt64]
        public var textUnchanged: Bool?
    }

    /// Scans `vmlinux` under `policy`, makes its records for the version's
    /// patcher (`layout`: 6.8's takes only `call *disp32(%rip)`), leaves
    /// out the sites it already has a record for (in `section`), checks the
    /// rest in the simulator and writes them addressed from `_text`
    /// (`.quad _text + off`; 6.8: against vmlinux.o's symbols, from
    /// `cache`).
    static func records(vmlinux: String, policy: Policy, layout: String, section: String,
                        anchors cache: inout AnchorCache) throws -> MadeRecords {
        let file = try ObjectFile(path: vmlinux)
        let run = try RecordsRun(file: file, options: RecordsRun.Options(policy: policy, sites: .scan, layout: layout))
        let own = try MacroScan(file: file, options: MacroOptions(section: section, format: RecordFormats.find(named: layout),
                                                                 sourcePositions: false))
        let annotated = Set(own.sites.map(\.address))
        var records = run.set.records.filter { !annotated.contains($0.address) }
        guard let text = file.findSymbols(named: "_text").first else {
            throw KernelError.missingFiles("\(vmlinux): no _text symbol to address the records from")
        }
        let format = try RecordEncoder.format(named: layout)
        var refused: [String: Int] = [:]
        for (reason, n) in run.set.refusedCounts { refused[reason.rawValue] = n }
        // 6.8's records go through objtool in vmlinux.o: each site named
        // against a global symbol of its vmlinux.o section (RecordAnchors);
        // a site in a section without one gets no record.
        var anchors: RecordAnchors?
        if let l = format.layout, DirectCallAlternative.fits(l) {
            let a = try cache.anchors(image: file, vmlinux: vmlinux)
            let kept = records.filter { a.anchor(for: $0.address) != nil }
            if kept.count < records.count { refused[Self.noAnchor] = records.count - kept.count }
            records = kept
            anchors = a
        }
        let assembly = try RecordEncoder.assembly(
            records, format: format, relocatable: false,
            header: "pvsites records: \(vmlinux)\nsites from the \(policy.rawValue) scan, layout \(format.name): \(records.count) records",
            base: (symbol: "_text", address: text.value), name: anchors.map { a in { a.name($0.address) } })
        return MadeRecords(records: records.count, refused: refused, alreadyAnnotated: run.set.records.count - records.count,
                           check: try PatchSimulator.check(file: file, records: records), assembly: assembly,
                           addresses: records.map(\.address))
    }

    /// The `refused` key of sites whose vmlinux.o section has no global
    /// symbol to name them by (6.8's records).
    static let noAnchor = "no-anchor-symbol"

    /// The pv records in an image: `.parainstructions` (the layout's
    /// stride); since 6.8 the `.altinstructions` entries with
    /// ALT_FLAG_DIRECT_CALL.
    static func recordCount(_ vmlinux: String, layout: String = "linux-6.1", section: String = ".parainstructions") throws -> Int {
        let file = try ObjectFile(path: vmlinux)
        return try MacroScan(file: file, options: MacroOptions(section: section, format: RecordFormats.find(named: layout),
                                                               sourcePositions: false)).sites.count
    }

    /// Whether the code the records point into is laid out alike in both
    /// images: every executable section holding a record at the same
    /// address with the same size, and every function in it where it was,
    /// so the records' addresses, taken from the first, hold in the second.
    /// (Not the bytes: the records grow `.parainstructions`, which moves
    /// what the linker script puts after it, `.altinstr_replacement` and
    /// `.exit.text` among them, and every absolute address of what moved.)
    static func sameCodeLayout(_ a: String, _ b: String, records: [UInt64]) throws -> Bool {
        struct Code: Hashable { let name: String, address: UInt64, size: UInt64 }
        let fa = try ObjectFile(path: a), fb = try ObjectFile(path: b)
        // The sections that hold records; every code section when there
        // are none (the link must still leave the code where it was).
        let executable = fa.sections.filter(\.isExecutable)
        let holding = records.isEmpty ? executable
            : executable.filter { s in records.contains { s.address <= $0 && $0 < s.address + s.size } }
        func layout(_ f: ObjectFile) -> Set<Code> {
            let code = f.sections.filter { s in holding.contains { $0.name == s.name } }
            let indices = Set(code.map(\.index))
            return Set(code.map { Code(name: $0.name, address: $0.address, size: $0.size) })
                .union(f.symbols.filter { $0.isFunction && indices.contains($0.sectionIndex) }
                    .map { Code(name: $0.name, address: $0.value, size: $0.size) })
        }
        let la = layout(fa)
        return !la.isEmpty && la == layout(fb)
    }
}
