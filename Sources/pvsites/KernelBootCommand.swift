import ArgumentParser
import CorpusBuild
import Foundation
import Kernel
import Reports
import RelocSites
import Study

extension QEMUBoot.Accelerator: ExpressibleByArgument {}

extension KernelCommand {
    /// `pvsites kernel boot`: the boot proof (KernelBoot).
    struct Boot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Link records made from a scan into the plain (or direct) kernel and boot it under QEMU, beside the annotated kernel and the kernel without records.",
            discussion: """
                Builds the whole kernel of each configuration when it is not \
                built yet (annotated and each form, with bzImage). For each \
                policy, records are made from the form's vmlinux (whole \
                instructions, at least 5 bytes, no branch into the middle; \
                checked by the patch simulator), linked into a copy of the \
                tree (build.sh --records), and the copy is booted with a \
                busybox initramfs whose init exercises fork/exec, page \
                faults, mprotect, sleeps and /proc. Every QEMU run has a time \
                limit and keeps its serial log in <cache>/boot/. With --xen \
                each kernel boots as dom0 of Debian's Xen hypervisor (a PV \
                guest: pv_ops hold Xen's functions), unpacked into \
                <cache>/xen/ from its .deb (apt-get download), never \
                installed; the logs end in -xen.log.
                """)

        @OptionGroup var options: KernelOptions

        @Option(name: .customLong("policy"), help: ArgumentHelp("The policies whose records are booted (repeatable; default naive, decoded, dataflow).", valueName: "policy"))
        var policies: [Policy] = []

        @Option(help: "tcg (default: -cpu max, no KVM) or kvm (-cpu host).")
        var accel: QEMUBoot.Accelerator = .tcg

        @Flag(help: "Boot each kernel as Xen's dom0 (Debian's \(XenBoot.package), under QEMU) instead of on QEMU's machine.")
        var xen = false

        @Option(help: "Seconds before a boot is stopped and judged a timeout.")
        var timeout: Int = 240

        @Option(help: "text or json.")
        var format: OutputFormat = .text

        @Option(name: .shortAndLong, help: "Write the report to FILE (atomically) instead of stdout.")
        var output: String?

        @Flag(help: "Also merge the boots into Kernels/results/boots/<version>.json (the recorded boots the study's objection lines cite): entries of the same configuration, mode and policy are replaced, the others kept.")
        var record = false

        typealias Report = BootResults

        func validate() throws {
            if timeout < 10 { throw ValidationError("--timeout must be 10 seconds or more") }
        }

        func run() throws {
            let base = try options.setup()
            // Boots need the whole kernel (vmlinux and bzImage).
            let setup = KernelSetup(kernel: base.kernel, files: base.files, cache: base.cache, source: base.source,
                                    subset: base.subset, full: true)
            guard QEMUBoot.isInstalled else {
                throw CLIError(.qemuMissing, "\(QEMUBoot.qemu) is not installed (Debian: apt-get install qemu-system-x86; make kernel-boot installs it)")
            }
            let configs = try options.installedConfigs(setup)
            let forms = (options.forms.isEmpty ? [.plain] : options.forms).map(\.mode)
            var builder = KernelBuilder(setup: setup)
            builder.jobs = options.jobs
            var sha: [BuildMode: String?] = [:]
            for mode in BuildMode.allCases { sha[mode] = KernelStatus.patchSHA(setup, mode: mode) }
            do {
                // Before any build: a hypervisor that cannot be had stops the run at once.
                let xenImage = xen ? try XenBoot.ensure(cache: setup.cache) { KernelCommand.report(.log($0)) } : nil
                try KernelSource.ensure(setup) { KernelCommand.report(.log($0)) }
                for config in configs {
                    for mode in [BuildMode.annotated] + forms where !setup.isBuilt(config, mode, patchSHA: sha[mode] ?? nil) {
                        KernelCommand.report(.log("building \(config) \(mode.rawValue) (whole kernel) in \(setup.buildDirectory(config, mode))"))
                        try builder.build(config, mode) { KernelCommand.report(.building($0)) }
                    }
                }
                var boot = KernelBoot(setup: setup)
                boot.jobs = options.jobs
                boot.qemu.accelerator = accel
                boot.qemu.timeout = timeout
                boot.qemu.xen = xenImage.map(XenBoot.init)
                let plans = KernelBoot.plans(configs, forms: forms,
                                             policies: policies.isEmpty ? Policy.allCases : policies)
                let entries = try boot.run(plans) { event in
                    switch event {
                    case .log(let line): KernelCommand.report(.log(line))
                    case .booted: break
                    }
                }
                let kernelLine = boot.qemu.xen == nil ? boot.qemu.commandLine : XenBoot.dom0CommandLine(boot.qemu.commandLine)
                let under = boot.qemu.xen.map { "Xen \($0.image) (\($0.commandLine)), dom0: " } ?? ""
                let report = Report(kernel: setup.kernel.description, qemu: "\(accel.rawValue), \(under)\(kernelLine)",
                                    tool: Version.tool(),
                                    boots: entries)
                // This machine's boots, merged with its earlier ones.
                if setup.source == nil {
                    let local = BootResults.localFile(cache: setup.cache, version: setup.kernel.name)
                    try? FileManager.default.createDirectory(atPath: (local as NSString).deletingLastPathComponent,
                                                             withIntermediateDirectories: true)
                    let merged = ((try? BootResults.load(local)) ?? nil).map { $0.merging(report) } ?? report
                    try? Output.write(try JSONOutput.encode(merged), to: local)
                }
                if record {
                    let file = BootResults.recordedFile(kernels: setup.files, version: setup.kernel.name)
                    try? FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                             withIntermediateDirectories: true)
                    let merged = try BootResults.load(file).map { $0.merging(report) } ?? report
                    try Output.write(try JSONOutput.encode(merged), to: file)
                    Diagnostics.warning("pvsites: recorded \(file)")
                }
                switch format {
                case .json: try Output.write(try JSONOutput.encode(report), to: output)
                case .text: try Output.write(Self.text(report), to: output)
                }
            } catch let e as KernelError {
                throw KernelCommand.fail(e)
            }
        }

        /// One line per boot: what was booted, its records, the result.
        static func text(_ report: Report) -> String {
            var out = "pvsites kernel boot: \(report.kernel), QEMU \(report.qemu)\n"
            for e in report.boots {
                let what = "\(e.kernel) \(e.mode)" + (e.policy.map { " + \($0)" } ?? "")
                    + (e.hypervisor == .none ? "" : " on \(e.hypervisor.rawValue)")
                out += "\(what): \(e.result.rawValue) in \(e.seconds) s, \(e.records) records in the image"
                out += e.applied.map { ", \($0) applied" } ?? ", applied line not printed"
                out += "\n"
                if let made = e.scanRecords {
                    let refused = e.refused?.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") ?? ""
                    out += "  from the scan: \(made) records" + (refused.isEmpty ? "" : "; refused: \(refused)")
                    if let c = e.check { out += "; simulator: \(c.passed) passed, \(c.failed) failed" }
                    if e.textUnchanged == false { out += "; the second link MOVED code: these records point elsewhere" }
                    out += "\n"
                }
                for line in e.evidence where e.result != .booted { out += "  | \(line)\n" }
                if !e.warnings.isEmpty {
                    out += "  \(e.warnings.count) WARNING\(e.warnings.count == 1 ? "" : "s"):\n"
                    for w in e.warnings { out += "  | \(w)\n" }
                }
                out += "  log: \(e.log)\n"
            }
            return out
        }
    }
}
