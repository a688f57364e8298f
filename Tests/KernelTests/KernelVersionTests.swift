import CorpusBuild
import Foundation
import Testing
import TestSupport
@testable import Kernel
import MacroSites

/// Kernel versions are data: a directory `Kernels/linux-<version>/` with a
/// descriptor (version.info), its patches and fragments. A version written
/// here, in a temporary Kernels/, is listed by `pvsites kernel list` and
/// planned by Kernels/build.sh without any change to Swift.
@Suite struct KernelVersionTests {
    static let pvsites = Fixtures.pvsitesBinary
    static let buildScript = Fixtures.repositoryRoot + "/Kernels/build.sh"

    /// A descriptor like 6.1's, with 6.9's Kconfig rename of the retpoline
    /// option and .altinstructions records.
    static func descriptor(name: String, retpoline: String = "CONFIG_MITIGATION_RETPOLINE") -> String {
        """
        # a version for the tests
        package linux-source-\(name)
        record-section .altinstructions
        record-layout linux-6.8
        record-size 14
        table pv_ops
        trampoline-prefix pv_tramp_
        trampoline-object arch/x86/kernel/pv_tramp.o
        subset arch/x86/mm/ mm
        patches-annotated plain-mode.patch
        patches-plain plain-mode.patch
        patches-direct plain-mode.patch direct-mode.patch
        kcflags-plain -DPVOPS_PLAIN
        kcflags-direct -DPVOPS_DIRECT   # the macro direct-mode.patch tests
        defconfig x86_64_defconfig
        fragments config.fragment opt-{opt}.fragment retpoline-{retpoline}.fragment
        kconfig-retpoline \(retpoline)
        kconfig-opt-O2 CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE
        kconfig-opt-Os CONFIG_CC_OPTIMIZE_FOR_SIZE

        """
    }

    /// A temporary Kernels/ holding version 9.9 only: descriptor, two
    /// patches, the fragments.
    static func fakeKernels(_ name: String) throws -> String {
        let tmp = try KernelBuildTests.temporary(name) + "/Kernels"
        let dir = tmp + "/linux-9.9"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let files = [
            "version.info": descriptor(name: "9.9"),
            "plain-mode.patch": "--- a/x.h\n+++ b/x.h\n@@ -1 +1 @@\n-a\n+b\n",
            "direct-mode.patch": "--- a/y.h\n+++ b/y.h\n@@ -1 +1 @@\n-c\n+d\n",
            "config.fragment": "CONFIG_PARAVIRT=y\n",
            "opt-O2.fragment": "CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE=y\n",
            "opt-Os.fragment": "CONFIG_CC_OPTIMIZE_FOR_SIZE=y\n",
            "retpoline-on.fragment": "CONFIG_MITIGATION_RETPOLINE=y\n",
            "retpoline-off.fragment": "# CONFIG_MITIGATION_RETPOLINE is not set\n",
        ]
        for (file, text) in files { try text.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8) }
        return tmp
    }

    /// build.sh --plan's `key value` lines.
    static func plan(_ args: [String]) throws -> [String: String] {
        let r = try Command.run(["bash", buildScript, "--plan"] + args)
        try #require(r.status == 0, "build.sh --plan \(args.joined(separator: " ")): \(r.stderr)")
        var plan: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            plan[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        return plan
    }

    static func sha256(_ files: [String]) throws -> String {
        try Command.check(["sh", "-c", "cat \"$@\" | sha256sum", "sh"] + files).split(separator: " ")[0].description
    }

    /// Swift reads the fake version from its directory alone.
    @Test func versionReadFromItsDirectory() throws {
        let kernels = try Self.fakeKernels("version-read")
        defer { try? FileManager.default.removeItem(atPath: (kernels as NSString).deletingLastPathComponent) }
        let known = try KernelVersion.known(in: kernels)
        #expect(known.map(\.name) == ["9.9"])
        let v = try #require(known.first)
        #expect(v.package == "linux-source-9.9")
        #expect(v.recordSection == ".altinstructions")
        #expect(v.recordLayout == "linux-6.8")
        #expect(v.table == "pv_ops")
        #expect(v.subset == ["arch/x86/mm/", "mm/"])
        #expect(v.patchNames[.direct] == ["plain-mode.patch", "direct-mode.patch"])
        #expect(v.kconfig["retpoline"] == "CONFIG_MITIGATION_RETPOLINE")
        #expect(v.trampolineObjects == ["arch/x86/kernel/pv_tramp.o"])
        let setup = KernelSetup(kernel: v, files: kernels, cache: "/nonexistent", source: nil, subset: v.subset, full: false)
        #expect(setup.buildScript == kernels + "/build.sh")
        #expect(setup.patches(.direct) == [kernels + "/linux-9.9/plain-mode.patch", kernels + "/linux-9.9/direct-mode.patch"])
    }

    /// A descriptor without a key it needs: one line naming the file and the key.
    @Test func incompleteDescriptorNamesTheKey() throws {
        let kernels = try Self.fakeKernels("version-bad")
        defer { try? FileManager.default.removeItem(atPath: (kernels as NSString).deletingLastPathComponent) }
        let path = kernels + "/linux-9.9/version.info"
        let text = Self.descriptor(name: "9.9").split(separator: "\n").filter { !$0.hasPrefix("table ") }.joined(separator: "\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: KernelError.self) { try KernelVersion.known(in: kernels) }
        do { _ = try KernelVersion.known(in: kernels) } catch {
            #expect(String(describing: error) == "\(path): needs one 'table VALUE' line")
        }
        let r = try Command.run(["bash", Self.buildScript, "--kernels", kernels, "--kernel", "9.9", "--plan", "plain", "O2", "on"])
        #expect(r.status == 1)
        #expect(r.stderr == "build.sh: error: \(path): no 'table' line\n")
    }

    /// `pvsites kernel list --kernels DIR` lists the fake version by name
    /// and Debian package, and plans its configurations.
    @Test(.enabled(if: Fixtures.pvsitesIsBuilt, Fixtures.pvsitesMissing))
    func kernelListListsAVersionDescribedOnlyByItsDirectory() throws {
        let kernels = try Self.fakeKernels("version-list")
        let tmp = (kernels as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        try FileManager.default.copyItem(atPath: Self.buildScript, toPath: kernels + "/build.sh")
        let r = try Command.run([Self.pvsites, "kernel", "list", "--kernels", kernels, "--kernel", "9.9", "--format", "json",
                                 "--cache", tmp + "/cache", "--opt", "-O2", "--retpoline", "on"])
        try #require(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let versions = try #require(json["versions"] as? [[String: Any]])
        #expect(versions.count == 1)
        #expect(versions.first?["name"] as? String == "9.9")
        #expect(versions.first?["package"] as? String == "linux-source-9.9")
        #expect(json["kernel"] as? String == "9.9")
        #expect(json["subset"] as? [String] == ["arch/x86/mm/", "mm/"])
        let configs = try #require(json["configs"] as? [[String: Any]])
        #expect(configs.map { $0["name"] as? String } == ["9.9-gcc-O2-retpoline-on"])
        let plain = configs.first?["plain"] as? [String: Any]
        #expect(plain?["directory"] as? String == tmp + "/cache/build/9.9-gcc-O2-retpoline-on-plain")

        // The text listing opens with the versions.
        let text = try Command.run([Self.pvsites, "kernel", "list", "--kernels", kernels, "--kernel", "9.9", "--cache", tmp + "/cache"])
        #expect(text.stdout.split(separator: "\n").first == "versions: 9.9 (linux-source-9.9)")
        // An unknown version names the ones there are.
        let unknown = try Command.run([Self.pvsites, "kernel", "list", "--kernels", kernels, "--kernel", "6.1"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "pvsites: unknown kernel '6.1': no Kernels/linux-6.1/version.info (known: 9.9)\n")
    }

    /// build.sh takes the fake version: its plan names the tree, the copy,
    /// the patches and fragments of the mode and setting, the build
    /// directory, the make variables and the checksums (sha256sum's).
    @Test func buildScriptPlansAVersionDescribedOnlyByItsDirectory() throws {
        let kernels = try Self.fakeKernels("version-plan")
        let tmp = (kernels as NSString).deletingLastPathComponent
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let dir = kernels + "/linux-9.9"
        let cache = tmp + "/cache"
        let plain = try Self.plan(["--kernels", kernels, "--kernel", "9.9", "--cache", cache, "plain", "Os", "off"])
        #expect(plain["package"] == "linux-source-9.9")
        #expect(plain["record-section"] == ".altinstructions")
        #expect(plain["pristine"] == cache + "/src/linux-9.9 (not there)")
        #expect(plain["copy"] == cache + "/src/linux-9.9-patched")
        #expect(plain["patches"] == dir + "/plain-mode.patch")
        #expect(plain["patch-sha256"] == (try Self.sha256([dir + "/plain-mode.patch"])))
        let fragments = ["config.fragment", "opt-Os.fragment", "retpoline-off.fragment"].map { dir + "/" + $0 }
        #expect(plain["fragments"] == fragments.joined(separator: " "))
        #expect(plain["config-sha256"] == (try Self.sha256(fragments)))
        #expect(plain["kconfig"] == "CONFIG_CC_OPTIMIZE_FOR_SIZE=y # CONFIG_MITIGATION_RETPOLINE is not set")
        #expect(plain["build"] == cache + "/build/9.9-gcc-Os-retpoline-off-plain")
        #expect(plain["make"] == "-C \(cache)/src/linux-9.9-patched O=\(cache)/build/9.9-gcc-Os-retpoline-off-plain -j2 CC=gcc KCFLAGS=-DPVOPS_PLAIN")
        #expect(plain["targets"] == "prepare arch/x86/mm/ mm/")

        // The direct mode's patches differ from the annotated mode's: a copy
        // of its own, whose DWARF names the shared copy's paths.
        let direct = try Self.plan(["--kernels", kernels, "--kernel", "9.9", "--cache", cache, "--cc", "clang-14", "--full",
                                    "direct", "O2", "on", "arch/x86/mm"])
        #expect(direct["copy"] == cache + "/src/linux-9.9-direct-patched")
        #expect(direct["patches"] == "\(dir)/plain-mode.patch \(dir)/direct-mode.patch")
        #expect(direct["patch-sha256"] == (try Self.sha256([dir + "/plain-mode.patch", dir + "/direct-mode.patch"])))
        #expect(direct["build"] == cache + "/build/9.9-clang-14-O2-retpoline-on-direct")
        #expect(direct["make"] == "-C \(cache)/src/linux-9.9-direct-patched O=\(cache)/build/9.9-clang-14-O2-retpoline-on-direct -j2 "
                + "LLVM=-14 KCFLAGS=-DPVOPS_DIRECT -fdebug-prefix-map=\(cache)/src/linux-9.9-direct-patched=\(cache)/src/linux-9.9-patched")
        #expect(direct["targets"] == "prepare arch/x86/mm/ vmlinux bzImage")
        #expect(direct["tools"] == KernelToolchain("clang-14").tools.map(\.command).joined(separator: " "))

        // A retpoline fragment that sets the old name, not the descriptor's.
        try "CONFIG_RETPOLINE=y\n".write(toFile: dir + "/retpoline-on.fragment", atomically: true, encoding: .utf8)
        let r = try Command.run(["bash", Self.buildScript, "--kernels", kernels, "--kernel", "9.9", "--plan", "plain", "O2", "on"])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("build.sh: error: no fragment says 'CONFIG_MITIGATION_RETPOLINE=y' (kconfig-retpoline in \(dir)/version.info)"))
    }

    /// The versions Kernels/ describes, and what each descriptor says that
    /// the scan depends on: the records' section and layout, and the
    /// retpoline option's Kconfig name (6.9 renamed it).
    static let realVersions: [(name: String, section: String, layout: String, retpoline: String)] = [
        ("6.1", ".parainstructions", "linux-6.1", "CONFIG_RETPOLINE"),
        ("6.12", ".altinstructions", "linux-6.8", "CONFIG_MITIGATION_RETPOLINE"),
    ]
    static let realKernels = Fixtures.repositoryRoot + "/Kernels"

    /// Each real descriptor reads, names its Debian package, a record
    /// layout MacroSites knows whose section and record size are the
    /// descriptor's, and patches that exist, in the order the modes need.
    @Test(arguments: realVersions)
    func realDescriptorReads(_ version: (name: String, section: String, layout: String, retpoline: String)) throws {
        let v = try #require(KernelVersion.named(version.name, in: Self.realKernels))
        #expect(try KernelVersion.known(in: Self.realKernels).map(\.name) == Self.realVersions.map(\.name))
        #expect(v.package == "linux-source-\(version.name)")
        #expect(v.recordSection == version.section)
        #expect(v.recordLayout == version.layout)
        let format = try #require(RecordFormats.find(named: v.recordLayout))
        #expect(format.defaultSection == v.recordSection)
        let text = try String(contentsOfFile: v.directory + "/" + KernelVersion.descriptorName, encoding: .utf8)
        let size = text.split(separator: "\n").first { $0.hasPrefix("record-size ") }.map { $0.split(separator: " ")[1] }
        #expect(size.map(String.init) == format.layout.map { String($0.stride) })
        #expect(v.table == "pv_ops")
        #expect(v.trampolinePrefix == "pv_tramp_")
        #expect(v.trampolineObjects == ["arch/x86/kernel/pv_tramp.o"])
        #expect(v.patchNames[.annotated] == ["plain-mode.patch"])
        #expect(v.patchNames[.plain] == ["plain-mode.patch"])
        #expect(v.patchNames[.direct] == ["plain-mode.patch", "direct-mode.patch"])
        for mode in BuildMode.allCases {
            for patch in v.patches(mode) { #expect(FileManager.default.fileExists(atPath: patch), "\(patch)") }
        }
        #expect(v.kconfig["retpoline"] == version.retpoline)
        #expect(v.kconfig["opt-O2"] == "CONFIG_CC_OPTIMIZE_FOR_PERFORMANCE")
        #expect(v.kconfig["opt-Os"] == "CONFIG_CC_OPTIMIZE_FOR_SIZE")
    }

    /// Each real version through build.sh's reading of its descriptor: the
    /// names and checksums of its trees, for every mode and setting. 6.1's
    /// are those the old Kernels/linux-6.1/build.sh built, so that they
    /// still count as built (pvsites.info's patch-sha256 was sha256sum of
    /// plain-mode.patch, or of plain and direct one after the other;
    /// config-sha256 that of the three fragments).
    @Test(arguments: realVersions.map(\.name), ["annotated", "plain", "direct"])
    func realVersionPlansItsTrees(_ version: String, _ mode: String) throws {
        let v = try #require(KernelVersion.named(version, in: Self.realKernels))
        let setup = KernelSetup(kernel: v, files: Self.realKernels, cache: "/c", source: nil, subset: v.subset, full: false)
        let dir = Self.realKernels + "/linux-" + version
        let retpolineName = v.kconfig["retpoline"] ?? "?"
        for (opt, ret) in [("O2", "on"), ("Os", "off")] {
            let plan = try Self.plan(["--kernel", version, "--cache", "/c", mode, opt, ret])
            let patches = ["plain-mode.patch"] + (mode == "direct" ? ["direct-mode.patch"] : [])
            #expect(plan["package"] == v.package)
            #expect(plan["record-section"] == v.recordSection)
            #expect(plan["record-layout"] == v.recordLayout)
            #expect(plan["table"] == v.table)
            #expect(plan["pristine"]?.hasPrefix("/c/src/linux-\(version)") == true)
            #expect(plan["copy"] == (mode == "direct" ? "/c/src/linux-\(version)-direct-patched" : "/c/src/linux-\(version)-patched"))
            #expect(plan["build"] == "/c/build/\(version)-gcc-\(opt)-retpoline-\(ret)-\(mode)")
            #expect(plan["patches"] == patches.map { dir + "/" + $0 }.joined(separator: " "))
            #expect(plan["patch-sha256"] == (try Self.sha256(patches.map { dir + "/" + $0 })))
            #expect(plan["patch-sha256"] == KernelStatus.patchSHA(setup, mode: BuildMode(rawValue: mode)!))
            let fragments = ["config", "opt-\(opt)", "retpoline-\(ret)"].map { "\(dir)/\($0).fragment" }
            #expect(plan["fragments"] == fragments.joined(separator: " "))
            #expect(plan["config-sha256"] == (try Self.sha256(fragments)))
            let optName = v.kconfig["opt-\(opt)"] ?? "?"
            #expect(plan["kconfig"] == "\(optName)=y " + (ret == "on" ? "\(retpolineName)=y" : "# \(retpolineName) is not set"))
            let kcflags = ["annotated": "", "plain": "-DPVOPS_PLAIN",
                           "direct": "-DPVOPS_DIRECT -fdebug-prefix-map=/c/src/linux-\(version)-direct-patched=/c/src/linux-\(version)-patched"]
            let vars = v.makeVariables.map { " " + $0 }.joined()
            #expect(plan["make"]?.hasSuffix(" CC=gcc\(vars) KCFLAGS=\(kcflags[mode]!)") == true, "\(plan["make"] ?? "-")")
            #expect(plan["targets"] == "prepare " + v.subset.joined(separator: " "))
        }
    }

    /// `pvsites kernel list` on the repository's Kernels/ lists every real
    /// version with its package and record section, and plans the
    /// configurations of the one asked for under its own name.
    @Test(.enabled(if: Fixtures.pvsitesIsBuilt, Fixtures.pvsitesMissing), arguments: realVersions.map(\.name))
    func kernelListListsRealVersion(_ version: String) throws {
        let v = try #require(KernelVersion.named(version, in: Self.realKernels))
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-list-\(getpid())-\(version)").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let r = try Command.run([Self.pvsites, "kernel", "list", "--kernels", Self.realKernels, "--kernel", version,
                                 "--format", "json", "--cache", cache, "--opt", "-Os", "--retpoline", "off"])
        try #require(r.status == 0, "\(r.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let versions = try #require(json["versions"] as? [[String: Any]])
        #expect(versions.map { $0["name"] as? String } == Self.realVersions.map(\.name))
        #expect(versions.map { $0["package"] as? String } == Self.realVersions.map { "linux-source-\($0.name)" })
        #expect(versions.map { $0["record_section"] as? String } == Self.realVersions.map(\.section))
        #expect(json["kernel"] as? String == version)
        #expect(json["source"] as? String == cache + "/src/linux-\(version)")
        #expect(json["subset"] as? [String] == v.subset)
        let configs = try #require(json["configs"] as? [[String: Any]])
        #expect(configs.map { $0["name"] as? String } == ["\(version)-gcc-Os-retpoline-off"])
        for mode in BuildMode.allCases {
            let tree = configs.first?[mode.rawValue] as? [String: Any]
            #expect(tree?["directory"] as? String == cache + "/build/\(version)-gcc-Os-retpoline-off-\(mode.rawValue)")
            #expect(tree?["built"] as? Bool == false)
        }
        let text = try Command.run([Self.pvsites, "kernel", "list", "--kernels", Self.realKernels, "--kernel", version, "--cache", cache])
        #expect(text.stdout.split(separator: "\n").first
                == "versions: " + Self.realVersions.map { "\($0.name) (linux-source-\($0.name))" }.joined(separator: ", "))
    }

    /// A compiler that is not installed stops `kernel study` and `kernel
    /// build` with one line naming it and its Debian packages, exit 2,
    /// before anything is fetched or built (the cache is not even made).
    @Test(.enabled(if: Fixtures.pvsitesIsBuilt, Fixtures.pvsitesMissing),
          arguments: ["study", "build"])
    func missingCompilerIsOneLine(_ command: String) throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-nocc-\(getpid())-\(command)").path
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let r = try Command.run([Self.pvsites, "kernel", command, "--kernels", Fixtures.repositoryRoot + "/Kernels",
                                 "--compiler", "gcc", "--compiler", "clang-99", "--subset", "arch/x86/mm/", "--cache", cache])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr == "pvsites: compiler clang-99 is not installed: no clang-99 ld.lld-99 llvm-ar-99 llvm-nm-99 "
                + "llvm-objcopy-99 llvm-objdump-99 llvm-readelf-99 llvm-strip-99 (Debian: apt-get install clang-99 lld-99 llvm-99)\n")
        #expect(!FileManager.default.fileExists(atPath: cache))
    }

    /// build.sh says the same, in its words, when run by hand.
    @Test func buildScriptNamesAMissingCompiler() throws {
        let r = try Command.run(["bash", Self.buildScript, "--kernel", "6.1", "--cache", "/nonexistent", "--cc", "gcc-99",
                                 "plain", "O2", "on"])
        #expect(r.status == 1)
        #expect(r.stderr == "build.sh: error: compiler gcc-99 is not installed: no gcc-99 (Debian: apt-get install gcc-99)\n")
        #expect(KernelError.compilerMissing("gcc-99").description
                == "compiler gcc-99 is not installed: no gcc-99 (Debian: apt-get install gcc-99)")
    }

    /// What Kbuild needs besides the compiler (flex and bison for Kconfig,
    /// bc, and patch for the copy) is named at once, with its packages,
    /// before the cache is touched; here on a PATH of /usr/bin without them.
    @Test func buildScriptNamesMissingBuildTools() throws {
        let tmp = try KernelBuildTests.temporary("no-flex")
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let fm = FileManager.default
        let bin = tmp + "/bin"
        try fm.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: "/usr/bin") where !["flex", "bison", "bc", "patch"].contains(name) {
            try fm.createSymbolicLink(atPath: bin + "/" + name, withDestinationPath: "/usr/bin/" + name)
        }
        let r = try Command.run(["/usr/bin/bash", Self.buildScript, "--kernel", "6.1", "--cache", tmp + "/cache", "plain", "O2", "on"],
                                environment: ["PATH": bin, "HOME": tmp])
        #expect(r.status == 1)
        #expect(r.stderr == "build.sh: error: the kernel build needs patch flex bison bc "
                + "(Debian: apt-get install patch flex bison bc; or make kernel-deps)\n")
        #expect(!fm.fileExists(atPath: tmp + "/cache"))
    }
}
