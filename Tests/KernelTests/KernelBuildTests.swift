import Foundation
import Testing
import TestSupport
@testable import Kernel

/// `pvsites kernel build` around build.sh, with no kernel: a fake
/// Kernels/ directory, a fake tree, a temporary cache.
@Suite struct KernelBuildTests {
    static func temporary(_ name: String) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func touch(_ path: String, _ date: Date, contents: Data = Data()) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #require(fm.createFile(atPath: path, contents: contents), "cannot create \(path)")
        try fm.setAttributes([.modificationDate: date], ofItemAtPath: path)
    }

    /// An object newer than its .cmd was being rewritten when the build was
    /// killed: drop-stale.sh removes it, and only it.
    @Test func dropStaleRemovesObjectsNewerThanTheirCmd() throws {
        let build = try Self.temporary("stale")
        defer { try? FileManager.default.removeItem(atPath: build) }
        let old = Date(timeIntervalSinceNow: -100), new = Date(timeIntervalSinceNow: -10)
        try Self.touch(build + "/arch/x86/mm/done.o", old)          // complete: .cmd written after it
        try Self.touch(build + "/arch/x86/mm/.done.o.cmd", new)
        try Self.touch(build + "/arch/x86/mm/pat/half.o", new)      // rewritten, then killed
        try Self.touch(build + "/arch/x86/mm/pat/.half.o.cmd", old)
        try Self.touch(build + "/arch/x86/mm/fresh.o", new)         // no .cmd: Kbuild rebuilds it anyway
        try Self.touch(build + "/mm/other.o", new)                  // outside the subset
        try Self.touch(build + "/mm/.other.o.cmd", old)
        let script = Fixtures.repositoryRoot + "/Kernels/drop-stale.sh"
        let out = try Command.check(["bash", script, build, "arch/x86/mm/"])
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        let fm = FileManager.default
        #expect(!fm.fileExists(atPath: build + "/arch/x86/mm/pat/half.o"))
        for kept in ["arch/x86/mm/done.o", "arch/x86/mm/fresh.o", "mm/other.o"] {
            #expect(fm.fileExists(atPath: build + "/" + kept), "\(kept)")
        }
    }

    /// A first build has no tree of its own to count: the total comes from
    /// another configuration's tree of the same source.
    @Test func expectedObjectsOfAFirstBuildFromAnotherConfiguration() throws {
        let cache = try Self.temporary("expected")
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let elf = Data([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0])
        let now = Date()
        for o in ["a.o", "b.o", "pat/c.o"] {
            try Self.touch("\(cache)/build/6.1-gcc-Os-retpoline-off-plain/arch/x86/mm/\(o)", now, contents: elf)
        }
        for o in ["a.o", "b.o", "c.o", "d.o"] {   // another source's tree: not counted
            try Self.touch("\(cache)/build/src-mine-1234-gcc-O2-retpoline-on-plain/arch/x86/mm/\(o)", now, contents: elf)
        }
        let setup = KernelSetup(kernel: KernelFixture.kernel, files: Fixtures.repositoryRoot + "/Kernels", cache: cache,
                                source: nil, subset: ["arch/x86/mm/"], full: false)
        let builder = KernelBuilder(setup: setup)
        #expect(builder.expectedObjects(KernelFixture.small, .annotated) == 3)
        let other = KernelSetup(kernel: KernelFixture.kernel, files: Fixtures.repositoryRoot + "/Kernels", cache: cache + "/none",
                                source: nil, subset: ["arch/x86/mm/"], full: false)
        #expect(KernelBuilder(setup: other).expectedObjects(KernelFixture.small, .annotated) == nil)
    }

    /// Ctrl-C or `kill` reaches pvsites only (Foundation starts build.sh in
    /// a process group of its own): pvsites stops build.sh's group with
    /// SIGTERM (the `sleep &` here would ignore SIGINT, as bash makes it),
    /// then exits 128+signal with one line saying the next run resumes.
    @Test(.enabled(if: Fixtures.pvsitesIsBuilt, Fixtures.pvsitesMissing),
          .timeLimit(.minutes(1)))
    func interruptReachesTheBuild() throws {
        let tmp = try Self.temporary("interrupt")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let files = tmp + "/Kernels"
        try FileManager.default.createDirectory(atPath: files + "/linux-6.1", withIntermediateDirectories: true)
        try "".write(toFile: files + "/linux-6.1/plain-mode.patch", atomically: true, encoding: .utf8)
        try KernelVersionTests.descriptor(name: "6.1").write(toFile: files + "/linux-6.1/version.info", atomically: true,
                                                              encoding: .utf8)
        try """
            #!/usr/bin/env bash
            here=$(cd "$(dirname "$0")" && pwd)
            trap 'echo INT > "$here/got-signal"; exit 130' INT
            trap 'echo TERM > "$here/got-signal"; exit 143' TERM
            echo "  CC      arch/x86/mm/init.o"
            touch "$here/started"
            sleep 50 &
            wait
            echo finished > "$here/got-signal"

            """.write(toFile: files + "/build.sh", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: tmp + "/tree", withIntermediateDirectories: true)
        try "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n".write(toFile: tmp + "/tree/Makefile", atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixtures.pvsitesBinary)
        process.arguments = ["kernel", "build", "--kernels", tmp + "/Kernels", "--source", tmp + "/tree", "--cache", tmp + "/cache",
                             "--subset", "arch/x86/mm", "--opt", "-O2", "--retpoline", "on"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let stopped = try #require(Interrupt.send(to: process, stderr: stderr) {
            FileManager.default.fileExists(atPath: files + "/started")
        }, "pvsites stopped, or build.sh did not start, before the signal")
        let text = stopped.stderr
        #expect(stopped.seconds < 10)
        #expect(stopped.status == 130)
        #expect(text.contains("interrupted by SIGINT; the next run resumes"), "\(text)")
        #expect(!text.contains("make failed"), "\(text)")
        let got = try? String(contentsOfFile: files + "/got-signal", encoding: .utf8)
        #expect(got == "TERM\n")
    }
}

@Suite struct KernelBuildOutputTests {
    /// What make printed when init.c did not compile (gcc 12, Kbuild of 6.1):
    /// the compiler's lines survive, source excerpt included; Kbuild's
    /// progress lines and make's recursion lines do not.
    @Test func compilerLinesKeepGccsExcerpt() {
        let make = [
            "  SYNC    include/config/auto.conf.cmd",
            "  CC      arch/x86/mm/init.o",
            "  AR      arch/x86/mm/pat/built-in.a",
            "/src/arch/x86/mm/init.c:202:18: error: expected ';' before 'int'",
            "  202 | int after_bootmem",
            "      |                  ^",
            "      |                  ;",
            "  203 | ",
            "  204 | early_param_on_off(\"gbpages\", \"nogbpages\", direct_gbpages, CONFIG_X86_DIRECT_GBPAGES);",
            "      | ~~~",
            "make: *** [Makefile:250: __sub-make] Error 2",
        ]
        let kept = make.filter { !KernelBuilder.isKbuildQuiet($0) }
        #expect(kept == Array(make[3...]))
        #expect(KernelBuilder.compilerLines(kept).first == make[3])
        #expect(KernelBuilder.compiledObject(make[1]) == "arch/x86/mm/init.o")
        #expect(KernelBuilder.compiledObject(make[4]) == nil)
    }
}
