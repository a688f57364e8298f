import Foundation
import Testing
@testable import Kernel
import TestSupport

/// The boot log's verdict, on logs shaped like Linux 6.1's own output, and
/// one real QEMU boot of Debian's 6.1 kernel with the boot test's initramfs
/// when QEMU, busybox-static and that kernel are there.
@Suite struct KernelBootTests {
    static let patched = "[    0.081234] pvsites: apply_paravirt applied 3848 of 3848 records"

    @Test func bootedWithTheAppliedLine() {
        let log = BootLog(text: """
            [    0.000000] Linux version 6.1.192 (root@host) (gcc (Debian 12.2.0-14) 12.2.0) #1 SMP
            \(Self.patched)
            [    5.233418] Run /init as init process
            pvsites-init: up 5.91 s
            pvsites-exercise: mmap/fault/mprotect/munmap ok
            pvsites-exercise: ok
            pvsites-init: done
            [   10.002660] reboot: Power down
            """, timedOut: false)
        #expect(log.result == .booted)
        #expect(log.applied == 3848)
        #expect(log.recordsInImage == 3848)
    }

    /// Booted, with the two warnings the whole 6.1 kernel (gcc -O2,
    /// retpolines on) printed with dataflow's records: apply_retpolines
    /// found objtool's thunk-call sites already patched (lines as logged).
    @Test func bootedWithWarnings() {
        let log = BootLog(text: """
            [    0.053591] SMP alternatives: pvsites: apply_paravirt applied 2976 of 2976 records
            [    0.053592] WARNING: CPU: 0 PID: 0 at arch/x86/kernel/alternative.c:634 apply_retpolines+0x4ff/0x610
            [    0.054245] Modules linked in:
            [    0.061803] WARNING: CPU: 0 PID: 0 at arch/x86/kernel/alternative.c:739 apply_retpolines+0x371/0x610
            pvsites-exercise: ok
            pvsites-init: done
            """, timedOut: false)
        #expect(log.result == .booted)
        #expect(log.applied == 2976)
        #expect(log.warnings == ["WARNING: CPU: 0 PID: 0 at arch/x86/kernel/alternative.c:634 apply_retpolines+0x4ff/0x610",
                                 "WARNING: CPU: 0 PID: 0 at arch/x86/kernel/alternative.c:739 apply_retpolines+0x371/0x610"])
    }

    /// 6.12's line (its plain-mode.patch counts the direct-call
    /// alternatives apply_alternatives patched) reads the same way.
    @Test func bootedWithThe612AppliedLine() {
        let log = BootLog(text: """
            [    0.000000] Linux version 6.12.118 (root@host) (gcc (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP
            [    0.092310] pvsites: apply_alternatives applied 4100 of 4112 direct-call records
            pvsites-exercise: ok
            """, timedOut: false)
        #expect(log.result == .booted)
        #expect(log.applied == 4100)
        #expect(log.recordsInImage == 4112)
    }

    /// apply_paravirt's BUG_ON(used > p->len) for a record shorter than the
    /// 5-byte call: the BUG, not the panic it ends in, is the result.
    @Test func bugBeforeTheAppliedLine() {
        let log = BootLog(text: """
            [    0.071000] ------------[ cut here ]------------
            [    0.071001] kernel BUG at arch/x86/kernel/alternative.c:1058!
            [    0.071002] invalid opcode: 0000 [#1] PREEMPT SMP NOPTI
            [    0.071003] RIP: 0010:apply_paravirt+0x9e/0xa0
            [    0.071500] Kernel panic - not syncing: Attempted to kill the idle task!
            """, timedOut: false)
        #expect(log.result == .bug)
        #expect(log.applied == nil)
        #expect(log.evidence.first?.contains("kernel BUG at arch/x86/kernel/alternative.c:1058!") == true)
    }

    /// QEMU's serial file ends lines with "\r\n" (a single Character in
    /// Swift): the evidence is the failing line and a few after it, not the
    /// whole log as one line.
    @Test func serialLineEnds() {
        let text = "Linux version 6.1.192\r\nx86/fpu: Enabled xstate features 0x21f\r\ninvalid opcode: 0000 [#1] SMP\r\nRIP: 0010:0xffffffff88e398c7\r\nKernel panic - not syncing: Fatal exception\r\n"
        let log = BootLog(text: text, timedOut: false)
        #expect(log.result == .oops)
        #expect(log.evidence.first == "invalid opcode: 0000 [#1] SMP")
        #expect(log.evidence.count == 4)
    }

    @Test func oopsThenPanic() {
        let log = BootLog(text: """
            \(Self.patched)
            [    1.2] BUG: unable to handle page fault for address: ffffffff8200abcd
            [    1.3] Oops: 0003 [#1] PREEMPT SMP NOPTI
            [    1.4] Kernel panic - not syncing: Fatal exception
            """, timedOut: false)
        #expect(log.result == .oops)
        #expect(log.applied == 3848)
    }

    @Test func panicAlone() {
        #expect(BootLog(text: "[ 1.0] Kernel panic - not syncing: VFS: Unable to mount root fs", timedOut: false).result == .panic)
    }

    @Test func exerciseFailure() {
        let log = BootLog(text: """
            pvsites-exercise: mmap/fault/mprotect/munmap ok
            pvsites-exercise: fork/exec/wait x50 FAILED
            pvsites-exercise: FAILED
            """, timedOut: false)
        #expect(log.result == .exerciseFailed)
        #expect(log.evidence == ["pvsites-exercise: fork/exec/wait x50 FAILED", "pvsites-exercise: FAILED"])
    }

    @Test func silenceIsTimeoutOrReset() {
        let text = "[    0.000000] Linux version 6.1.192\n[    0.1] x86/fpu: Supporting XSAVE feature 0x001"
        #expect(BootLog(text: text, timedOut: true).result == .timeout)
        #expect(BootLog(text: text, timedOut: false).result == .reset)
    }

    @Test func qemuArguments() {
        var q = QEMUBoot()
        let tcg = q.arguments(kernel: "bz", initramfs: "rd", serialLog: "log")
        #expect(tcg.contains("-no-reboot") && tcg.contains("file:log"))
        #expect(Array(tcg.suffix(4)) == ["-accel", "tcg", "-cpu", "max"])
        q.accelerator = .kvm
        #expect(Array(q.arguments(kernel: "bz", initramfs: "rd", serialLog: "log").suffix(4)) == ["-accel", "kvm", "-cpu", "host"])
    }

    /// Debian's own 6.1 kernel (linux-image-6.1.0-*-amd64, /boot/vmlinuz-*
    /// in the package) boots to the exercise with the initramfs: the boot
    /// test's parts work before any record of ours is in the kernel. It
    /// prints no applied line (that line is plain-mode.patch's).
    @Test(.enabled(if: KernelBootFixture.debianKernel != nil && QEMUBoot.isInstalled && KernelBootFixture.hasBusybox,
                   "needs qemu-system-x86, busybox-static and a Debian 6.1 vmlinuz (scripts/fetch-kernels.sh modules, or PVSITES_BOOT_VMLINUZ)"))
    func debianKernelBoots() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-boot-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let setup = KernelSetup(kernel: KernelFixture.kernel, files: Fixtures.repositoryRoot + "/Kernels", cache: dir, source: nil,
                                subset: [], full: true)
        let initramfs = try BootInitramfs.ensure(setup)
        var q = QEMUBoot()
        q.timeout = 300
        let run = try q.boot(kernel: KernelBootFixture.debianKernel!, initramfs: initramfs, serialLog: dir + "/serial.log")
        #expect(run.log.result == .booted, "\(run.log.evidence)")
        #expect(run.log.applied == nil)
        #expect(FileManager.default.fileExists(atPath: run.logFile))
    }
}

enum KernelBootFixture {
    /// `PVSITES_BOOT_VMLINUZ`, else the vmlinuz of the linux-image-6.1 .deb
    /// that `scripts/fetch-kernels.sh modules` keeps in `<cache>/debs/`,
    /// unpacked once next to it (`<cache>/debs/boot/vmlinuz-*`).
    static let debianKernel: String? = {
        let fm = FileManager.default
        if let p = ProcessInfo.processInfo.environment["PVSITES_BOOT_VMLINUZ"], fm.fileExists(atPath: p) { return p }
        let debs = KernelSetup.defaultCache + "/debs"
        func unpacked() -> String? {
            ((try? fm.contentsOfDirectory(atPath: debs + "/boot")) ?? []).filter { $0.hasPrefix("vmlinuz-6.1") }.sorted().last
                .map { debs + "/boot/" + $0 }
        }
        if let v = unpacked() { return v }
        guard let deb = ((try? fm.contentsOfDirectory(atPath: debs)) ?? [])
            .filter({ $0.hasPrefix("linux-image-6.1") && $0.hasSuffix("_amd64.deb") && !$0.contains("-dbg") }).sorted().last
        else { return nil }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -x -C \"$2\" --wildcards './boot/vmlinuz-*'", "sh", debs + "/" + deb, debs]
        try? p.run()
        p.waitUntilExit()
        return unpacked()
    }()

    static var hasBusybox: Bool {
        FileManager.default.fileExists(atPath: "/bin/busybox") || FileManager.default.fileExists(atPath: "/usr/bin/busybox")
    }
}
