import CorpusBuild
import Foundation

/// One QEMU run of a bzImage with the boot test's initramfs: the serial
/// console goes to a log file that is kept, and a hard time limit (coreutils
/// `timeout`, then SIGKILL) ends a kernel that hangs.
///
/// TCG (`-cpu max`, no KVM) is the default: on these machines nested KVM
/// stopped Debian's 6.1 kernel after the decompressor and `-cpu host`
/// aborted on an MSR, while TCG boots it to init in a few seconds.
public struct QEMUBoot: Sendable {
    public enum Accelerator: String, Sendable, CaseIterable, Codable {
        case tcg, kvm
    }

    /// What the kernel boots on: QEMU's machine itself, or Xen as its dom0.
    public enum Hypervisor: String, Sendable, CaseIterable, Codable {
        case none, xen
    }

    public var accelerator: Accelerator = .tcg
    /// Seconds before the run is stopped and judged `timeout`.
    public var timeout: Int = 240
    public var memoryMB = 1024
    public var cpus = 2
    /// `nokaslr` is not passed: records are linked with relocations against
    /// `_text`, so the relocated kernel patches the right addresses.
    /// `loglevel=7`: the applied line is a pr_info (level 6), which a
    /// console level of 6 would not show.
    public var commandLine = "console=ttyS0 panic=-1 oops=panic loglevel=7"
    /// Xen under the kernel (XenBoot); nil: the kernel boots on the machine.
    public var xen: XenBoot?

    public init() {}

    public var hypervisor: Hypervisor { xen == nil ? .none : .xen }

    public static let qemu = "qemu-system-x86_64"

    public static var isInstalled: Bool { KernelBuilder.isInstalled(qemu) && KernelBuilder.isInstalled("timeout") }

    public struct Run: Sendable {
        public let log: BootLog
        public let seconds: Double
        public let logFile: String
    }

    public func arguments(kernel: String, initramfs: String, serialLog: String) -> [String] {
        var a = [Self.qemu, "-M", "q35", "-m", "\(memoryMB)", "-smp", "\(cpus)", "-display", "none",
                 "-monitor", "none", "-no-reboot", "-serial", "file:" + serialLog]
        if let xen {
            a += xen.arguments(kernel: kernel, initramfs: initramfs, kernelCommandLine: commandLine)
        } else {
            a += ["-kernel", kernel, "-initrd", initramfs, "-append", commandLine]
        }
        switch accelerator {
        case .tcg: a += ["-accel", "tcg", "-cpu", xen == nil ? "max" : XenBoot.tcgCPU]
        case .kvm: a += ["-accel", "kvm", "-cpu", "host"]
        }
        return a
    }

    /// Boots `kernel` (a bzImage); the serial console is written to
    /// `serialLog` (replaced), QEMU's own messages after it.
    public func boot(kernel: String, initramfs: String, serialLog: String) throws -> Run {
        let fm = FileManager.default
        for f in [kernel, initramfs] + (xen.map { [$0.image] } ?? []) where !fm.fileExists(atPath: f) { throw KernelError.missingFiles(f) }
        try? fm.createDirectory(atPath: (serialLog as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? fm.removeItem(atPath: serialLog)
        let start = Date()
        let r = Subprocess.run(["timeout", "-k", "5", "\(timeout)"] + arguments(kernel: kernel, initramfs: initramfs, serialLog: serialLog))
        let seconds = Date().timeIntervalSince(start)
        if r.interrupted != 0 { throw KernelError.interrupted(r.interrupted) }
        let text = (try? String(contentsOfFile: serialLog, encoding: .utf8)) ?? ""
        if !r.output.isEmpty {
            // QEMU's own complaints (a missing accelerator, a bad option) stay with the log.
            if let h = FileHandle(forWritingAtPath: serialLog) {
                h.seekToEndOfFile()
                h.write(Data(("\n[qemu, exit \(r.status)] " + r.output).utf8))
                try? h.close()
            }
        }
        // timeout(1) exits 124 when it stopped QEMU, 137 when it had to kill it.
        let timedOut = r.status == 124 || r.status == 137
        if text.isEmpty && !timedOut && r.status != 0 {
            throw KernelError.bootFailed(kernel: kernel, output: r.output.split(separator: "\n").prefix(3).joined(separator: "; "))
        }
        return Run(log: BootLog(text: text, timedOut: timedOut), seconds: seconds, logFile: serialLog)
    }
}
