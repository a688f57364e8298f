import CorpusBuild
import Foundation

/// Xen under the kernel: QEMU loads Debian's Xen hypervisor by multiboot and
/// the bzImage boots as Xen's dom0, a PV guest. That is the case pv_ops were
/// made for: Xen's PV setup fills them with Xen's functions before
/// `apply_paravirt()` runs, so every patched site calls into Xen's code, not
/// the native functions a bare boot patches in.
///
/// Strategy:
/// - The hypervisor is Debian 12's `xen-hypervisor-4.17-amd64`, never
///   installed (its hooks would touch the machine's boot config): the .deb
///   is fetched with `apt-get download` into `<cache>/debs/` and its
///   `boot/xen-*-amd64.gz` unpacked into `<cache>/xen/`, or an installed
///   `/boot/xen-*-amd64.gz` is used. QEMU's multiboot loader takes only the
///   uncompressed 32-bit ELF, hence the gunzip.
/// - Multiboot modules are `-initrd "kernel cmdline,initramfs"`: the first
///   is dom0's kernel with its command line, the second its initramfs.
/// - dom0's console is Xen's (`hvc0`), which Xen writes to com1, the serial
///   log, after its own lines (`(XEN) ...`).
/// - init's `reboot -f` in dom0 makes Xen reset the machine, and QEMU's
///   `-no-reboot` ends the run; a crashed dom0 does the same after Xen's
///   5-second delay (no `noreboot` on Xen's line), a Linux panic through
///   `panic=-1`.
public struct XenBoot: Sendable {
    /// The uncompressed hypervisor (multiboot ELF).
    public let image: String
    /// Xen's own command line. `dom0_mem`: a fixed dom0 size, so the guest
    /// does not balloon the whole QEMU machine.
    public var commandLine = "console=com1 com1=115200 dom0_mem=512M loglvl=all guest_loglvl=all"

    public init(image: String) { self.image = image }

    /// Debian 12's hypervisor package.
    public static let package = "xen-hypervisor-4.17-amd64"

    /// TCG's `-cpu max` with SMAP off. A 64-bit PV guest's kernel runs in
    /// ring 3 on user pages; QEMU 7.2's TCG reads an iretq's frame as a
    /// supervisor access (seg_helper.c: `POPQ_RA` is `cpu_ldq_kernel_ra`),
    /// which SMAP faults, so Xen kills dom0 at its first `iret_to_self`
    /// (`d0v0 Unhandled: vec 14, #PF[0001]`).
    public static let tcgCPU = "max,-smap"

    /// The kernel's bare-QEMU command line for dom0: the console is Xen's
    /// `hvc0` (there is no ttyS0 in a PV guest), with Xen's early console.
    public static func dom0CommandLine(_ bare: String) -> String {
        let words = bare.split(separator: " ").filter { !$0.hasPrefix("console=") && !$0.hasPrefix("earlyprintk=") }
        return (["console=hvc0", "earlyprintk=xen"] + words.map(String.init)).joined(separator: " ")
    }

    /// QEMU's arguments for Xen with dom0 `kernel` and its `initramfs`.
    /// QEMU splits `-initrd` at commas: a comma in a path or command line
    /// is written twice.
    public func arguments(kernel: String, initramfs: String, kernelCommandLine: String) -> [String] {
        func escaped(_ s: String) -> String { s.replacingOccurrences(of: ",", with: ",,") }
        return ["-kernel", image, "-append", commandLine,
                "-initrd", escaped(kernel + " " + Self.dom0CommandLine(kernelCommandLine)) + "," + escaped(initramfs)]
    }

    /// `<cache>/xen/`: the unpacked hypervisors.
    public static func directory(cache: String) -> String { cache + "/xen" }

    /// `PVSITES_XEN` (a `xen-*.gz` or the unpacked ELF), else one unpacked
    /// into the cache, else none; `ensure` unpacks what is missing.
    public static func find(cache: String) -> String? {
        let fm = FileManager.default
        if let p = ProcessInfo.processInfo.environment["PVSITES_XEN"], !p.isEmpty, !p.hasSuffix(".gz"),
           fm.fileExists(atPath: p) { return p }
        let dir = directory(cache: cache)
        return ((try? fm.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasPrefix("xen-") && $0.hasSuffix("-amd64") }.sorted().last.map { dir + "/" + $0 }
    }

    /// The hypervisor, unpacked into `<cache>/xen/` when it is not there:
    /// from `PVSITES_XEN` (.gz), an installed `/boot/xen-*-amd64.gz`, or
    /// the .deb (`apt-get download`, kept in `<cache>/debs/`).
    public static func ensure(cache: String, log: (String) -> Void) throws -> String {
        if let found = find(cache: cache) { return found }
        let fm = FileManager.default
        let compressed: String
        if let p = ProcessInfo.processInfo.environment["PVSITES_XEN"], p.hasSuffix(".gz"), fm.fileExists(atPath: p) {
            compressed = p
        } else if let installed = ((try? fm.contentsOfDirectory(atPath: "/boot")) ?? [])
            .filter({ $0.hasPrefix("xen-") && $0.hasSuffix("-amd64.gz") }).sorted().last {
            compressed = "/boot/" + installed
        } else {
            compressed = try unpackDeb(cache: cache, log: log)
        }
        let name = ((compressed as NSString).lastPathComponent as NSString).deletingPathExtension
        let dir = directory(cache: cache)
        try makeDirectory(dir)
        let out = dir + "/" + name
        log("unpacking \(compressed) into \(out)")
        let r = Subprocess.run(["sh", "-c", "gzip -dc \"$1\" > \"$2.tmp\" && mv \"$2.tmp\" \"$2\"", "sh", compressed, out])
        if r.interrupted != 0 { throw KernelError.interrupted(r.interrupted) }
        guard r.status == 0 else {
            try? fm.removeItem(atPath: out + ".tmp")
            throw KernelError.extractFailed("could not unpack \(compressed): \(r.output.split(separator: "\n").last ?? "gzip failed")")
        }
        return out
    }

    /// A KernelError (one line, exit 2), not Foundation's, when the cache
    /// cannot hold the hypervisor.
    static func makeDirectory(_ dir: String) throws {
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw KernelError.extractFailed("cannot create \(dir): \(error.localizedDescription)")
        }
    }

    /// The package's .deb in `<cache>/debs/`, if it was downloaded.
    public static func deb(cache: String) -> String? { DebianDownload.cached(package, cache: cache) }

    /// `apt-get download`s the package (once) and takes its
    /// `boot/xen-*-amd64.gz` out into `<cache>/xen/`.
    static func unpackDeb(cache: String, log: (String) -> Void) throws -> String {
        let fm = FileManager.default
        let deb = try DebianDownload.fetch(package, cache: cache, log: log)
        let dir = directory(cache: cache)
        try makeDirectory(dir)
        let r = Subprocess.run(["sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -x -C \"$2\" --wildcards './boot/xen-*-amd64.gz'",
                           "sh", deb, dir])
        if r.interrupted != 0 { throw KernelError.interrupted(r.interrupted) }
        guard r.status == 0, let gz = ((try? fm.contentsOfDirectory(atPath: dir + "/boot")) ?? [])
            .filter({ $0.hasSuffix("-amd64.gz") }).sorted().last else {
            throw KernelError.extractFailed("could not take boot/xen-*-amd64.gz out of \(deb): \(r.output.split(separator: "\n").last ?? "")")
        }
        return dir + "/boot/" + gz
    }
}
