import Foundation
import Testing
@testable import Kernel
import TestSupport

/// The boot proof under Xen: QEMU's arguments for the hypervisor and dom0,
/// the verdict on logs Xen 4.17 wrote here, and real boots of the whole 6.1
/// trees as dom0 when Xen (unpacked into the cache), QEMU and the trees are
/// there.
@Suite(.serialized)
struct KernelXenBootTests {
    /// Unpacked, or its .deb downloaded (`ensure` unpacks it).
    static let xenAvailable = XenBoot.find(cache: RealKernels.directory) != nil || XenBoot.deb(cache: RealKernels.directory) != nil

    @Test func argumentsUnderXen() {
        var q = QEMUBoot()
        q.xen = XenBoot(image: "/c/xen/xen-4.17-amd64")
        let a = q.arguments(kernel: "/t/bzImage", initramfs: "/c/boot/initramfs,1.gz", serialLog: "log")
        #expect(a.firstIndex(of: "-kernel").map { a[$0 + 1] } == "/c/xen/xen-4.17-amd64")
        #expect(a.firstIndex(of: "-append").map { a[$0 + 1] } == q.xen!.commandLine)
        // Two multiboot modules; the comma in the initramfs path is doubled.
        #expect(a.firstIndex(of: "-initrd").map { a[$0 + 1] }
            == "/t/bzImage console=hvc0 earlyprintk=xen panic=-1 oops=panic loglevel=7,/c/boot/initramfs,,1.gz")
        #expect(Array(a.suffix(4)) == ["-accel", "tcg", "-cpu", "max,-smap"])
        #expect(a.contains("-no-reboot"))
        #expect(q.hypervisor == .xen && QEMUBoot().hypervisor == .none)
    }

    @Test func dom0CommandLine() {
        #expect(XenBoot.dom0CommandLine("console=ttyS0 panic=-1 earlyprintk=serial loglevel=7")
            == "console=hvc0 earlyprintk=xen panic=-1 loglevel=7")
    }

    /// A dom0 run to the end: Linux's lines through hvc0 between Xen's, and
    /// Xen resetting the machine on dom0's `reboot -f`.
    @Test func bootedAsDom0() {
        let log = BootLog(text: """
            (XEN) *** Building a PV Dom0 ***
            [    0.000000] Hypervisor detected: Xen PV
            [    1.667227] SMP alternatives: pvsites: apply_paravirt applied 2976 of 2976 records
            pvsites-exercise: ok
            pvsites-init: done
            [   16.763050] reboot: Restarting system
            (XEN) Hardware Dom0 shutdown: rebooting machine
            """, timedOut: false)
        #expect(log.result == .booted)
        #expect(log.applied == 2976)
    }

    /// The plain kernel with naive records, as dom0 (Xen 4.17.7 under QEMU
    /// TCG): Xen kills dom0 before Linux says anything, and the guest's RIP
    /// is in the evidence.
    @Test func dom0Crash() {
        let log = BootLog(text: """
            [    1.386970] x86/fpu: Enabled xstate features 0x7, context size is 832 bytes, using 'standard' format.
            (XEN) Pagetable walk from 0000000081ff8fb8:
            (XEN)  L4[0x000] = 0000000000000000 ffffffffffffffff
            (XEN) domain_crash_sync called from entry.S: fault at ffff82d0403602d0 x86_64/entry.S#domain_crash_page_fault_6x8+0/0x4
            (XEN) Domain 0 (vcpu#0) crashed on cpu#0:
            (XEN) ----[ Xen-4.17.7  x86_64  debug=n  Not tainted ]----
            (XEN) CPU:    0
            (XEN) RIP:    e033:[<ffffffff81e00beb>]
            (XEN) RFLAGS: 0000000000000293   EM: 1   CONTEXT: pv guest (d0v0)
            (XEN) rax: 0000000081df8dca   rbx: 0000000000000000   rcx: ffffffffffffffff
            (XEN) Hardware Dom0 crashed: rebooting machine in 5 seconds.
            """, timedOut: false)
        #expect(log.result == .dom0Crash)
        #expect(log.applied == nil)
        #expect(log.evidence.first?.contains("domain_crash_sync called") == true)
        #expect(log.evidence.contains("(XEN) RIP:    e033:[<ffffffff81e00beb>]"))
    }

    /// An unhandled fault Xen reports before the register dump: the
    /// evidence starts there and still names the RIP.
    @Test func unhandledFaultThenCrash() {
        let log = BootLog(text: """
            (XEN) d0v0 Unhandled: vec 14, #PF[0001]
            (XEN) Pagetable walk from ffffffff82803e60:
            (XEN)  L4[0x1ff] = 0000000077434067 0000000000003434
            (XEN)  L3[0x1fe] = 0000000077433067 0000000000003433
            (XEN)  L2[0x014] = 0000000077448067 0000000000003448
            (XEN)  L1[0x003] = 0010000076803067 0000000000002803
            (XEN) domain_crash_sync called from entry.S: fault at ffff82d040204b78 x86_64/entry.S#create_bounce_frame+0x14f/0x177
            (XEN) Domain 0 (vcpu#0) crashed on cpu#0:
            (XEN) RIP:    e033:[<ffffffff81d89b0f>]
            """, timedOut: true)
        #expect(log.result == .dom0Crash)
        #expect(log.evidence.first == "(XEN) d0v0 Unhandled: vec 14, #PF[0001]")
        #expect(log.evidence.last == "(XEN) RIP:    e033:[<ffffffff81d89b0f>]")
    }

    /// The .deb (as `apt-get download` left it) unpacked into an empty
    /// cache: the hypervisor is the 32-bit ELF QEMU's multiboot loader takes.
    @Test(.enabled(if: XenBoot.deb(cache: RealKernels.directory) != nil,
                   "needs \(XenBoot.package)'s .deb in <cache>/debs/ (pvsites kernel boot --xen fetches it)"))
    func unpacksTheDeb() throws {
        let fm = FileManager.default
        let cache = fm.temporaryDirectory.appendingPathComponent("pvsites-xen-deb-\(getpid())").path
        defer { try? fm.removeItem(atPath: cache) }
        try fm.createDirectory(atPath: cache + "/debs", withIntermediateDirectories: true)
        let deb = try #require(XenBoot.deb(cache: RealKernels.directory))
        try fm.createSymbolicLink(atPath: cache + "/debs/" + (deb as NSString).lastPathComponent, withDestinationPath: deb)
        let image = try XenBoot.ensure(cache: cache) { _ in }
        #expect(image == cache + "/xen/xen-4.17-amd64")
        #expect(XenBoot.find(cache: cache) == image)
        let head = try #require(FileHandle(forReadingAtPath: image)?.readData(ofLength: 5))
        #expect(Array(head) == [0x7f, 0x45, 0x4c, 0x46, 1])  // ELF, 32-bit
    }

    /// The whole 6.1 trees (gcc -O2, retpolines on) as Xen's dom0: the
    /// annotated kernel and the plain one without records boot to the
    /// exercise, each applying every record its image has; so does the
    /// plain one with dataflow's records when `pvsites kernel boot` has
    /// linked it.
    static let setup = KernelSetup(kernel: KernelFixture.kernel, files: Fixtures.repositoryRoot + "/Kernels",
                                   cache: RealKernels.directory, source: nil, subset: [], full: true)
    static func tree(_ name: String) -> String {
        setup.buildDirectory(KernelFixture.small, .annotated).replacingOccurrences(of: "-annotated", with: "-" + name)
    }
    static let trees = ["annotated", "plain"]
    /// Linked by `pvsites kernel boot`, not by a build: its own condition.
    static let recordsTree = "plain-records-plain-dataflow"
    static let ready = xenAvailable && QEMUBoot.isInstalled && KernelBootFixture.hasBusybox
        && FileManager.default.fileExists(atPath: tree("annotated") + "/arch/x86/boot/bzImage")

    @Test(.enabled(if: ready, """
        needs Xen's .deb in <cache>/debs/ or unpacked in <cache>/xen/ (pvsites kernel boot --xen fetches it), qemu-system-x86, busybox-static \
        and the whole 6.1 gcc -O2 retpoline-on trees (pvsites kernel boot)
        """), arguments: trees)
    func bootsAsDom0(_ name: String) throws {
        try Self.bootAsDom0(name)
    }

    @Test(.enabled(if: ready && FileManager.default.fileExists(atPath: tree(recordsTree) + "/arch/x86/boot/bzImage"), """
        needs what bootsAsDom0 needs and the plain tree linked with dataflow's records \
        (pvsites kernel boot --opt -O2 --retpoline on --policy dataflow)
        """))
    func withDataflowsRecordsBootsAsDom0() throws {
        try Self.bootAsDom0(Self.recordsTree)
    }

    static func bootAsDom0(_ name: String) throws {
        let dir = Self.tree(name)
        let fm = FileManager.default
        try #require(fm.fileExists(atPath: dir + "/arch/x86/boot/bzImage"), "\(dir) is not built")
        let work = fm.temporaryDirectory.appendingPathComponent("pvsites-xen-\(getpid())").path
        defer { try? fm.removeItem(atPath: work) }
        let scratch = KernelSetup(kernel: KernelFixture.kernel, files: Fixtures.repositoryRoot + "/Kernels", cache: work,
                                  source: nil, subset: [], full: true)
        let initramfs = try BootInitramfs.ensure(scratch)
        var q = QEMUBoot()
        q.xen = XenBoot(image: try XenBoot.ensure(cache: RealKernels.directory) { _ in })
        q.timeout = 400
        let records = try KernelBoot.recordCount(dir + "/vmlinux")
        // The serial log outlives the test, for a failure to be read.
        let log = fm.temporaryDirectory.appendingPathComponent("pvsites-xen-logs/\(name)-xen.log").path
        let run = try q.boot(kernel: dir + "/arch/x86/boot/bzImage", initramfs: initramfs, serialLog: log)
        print("6.1 \(name) as Xen dom0: \(run.log.result.rawValue) in \(Int(run.seconds)) s, applied \(run.log.applied.map(String.init) ?? "-") of \(records) (log \(log))")
        #expect(run.log.result == .booted, "\(run.log.evidence)")
        #expect(run.log.applied == records)
        let text = try String(contentsOfFile: run.logFile, encoding: .utf8)
        #expect(text.contains("Hypervisor detected: Xen PV"))
    }
}
