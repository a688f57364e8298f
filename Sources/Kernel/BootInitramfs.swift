import CorpusBuild
import Foundation

/// The boot test's initramfs (busybox-static, `Kernels/boot/init`, and
/// `Kernels/boot/exercise.c` built static), made by
/// `Kernels/boot/make-initramfs.sh` into `<cache>/boot/initramfs.gz` and
/// made again when one of its inputs is newer.
public enum BootInitramfs {
    public static func directory(_ setup: KernelSetup) -> String { setup.files + "/boot" }
    public static func path(_ setup: KernelSetup) -> String { setup.cache + "/boot/initramfs.gz" }

    public static func ensure(_ setup: KernelSetup) throws -> String {
        let fm = FileManager.default
        let out = path(setup)
        let dir = directory(setup)
        let inputs = ["init", "exercise.c", "make-initramfs.sh"].map { dir + "/" + $0 }
        for f in inputs where !fm.fileExists(atPath: f) { throw KernelError.missingFiles(f) }
        func mtime(_ f: String) -> Date? { (try? fm.attributesOfItem(atPath: f))?[.modificationDate] as? Date }
        if let made = mtime(out), inputs.allSatisfy({ (mtime($0) ?? .distantFuture) <= made }) { return out }
        try? fm.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let r = Subprocess.run(["bash", dir + "/make-initramfs.sh", out])
        if r.interrupted != 0 { throw KernelError.interrupted(r.interrupted) }
        guard r.status == 0 else {
            throw KernelError.extractFailed("could not make \(out): \(r.output.split(separator: "\n").last ?? "make-initramfs.sh failed")")
        }
        return out
    }
}
