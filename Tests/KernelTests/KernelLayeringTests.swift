import Foundation
import Testing
import TestSupport
@testable import Kernel

/// Kernel sits below Study (DESIGN.md, "Layout"): the per-pair
/// measurement is Pipeline's, and Kernel imports Pipeline, never Study,
/// Reports or Gate — in Package.swift and in its sources.
@Suite struct KernelLayeringTests {
    /// `.target(name: "X", dependencies: [...])` of Package.swift, by name.
    static func dependencies() throws -> [String: [String]] {
        let text = try String(contentsOfFile: Fixtures.repositoryRoot + "/Package.swift", encoding: .utf8)
        var out: [String: [String]] = [:]
        for m in text.matches(of: /\.target\(name: "(\w+)", dependencies: \[([^\]]*)\]/) {
            out[String(m.1)] = m.2.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        return out
    }

    /// Everything `target` depends on, directly or not.
    static func closure(_ target: String, _ deps: [String: [String]]) -> Set<String> {
        var seen = Set<String>(), todo = [target]
        while let t = todo.popLast() {
            for d in deps[t] ?? [] where seen.insert(d).inserted { todo.append(d) }
        }
        return seen
    }

    @Test func kernelDoesNotDependOnStudy() throws {
        let deps = try Self.dependencies()
        // Records (and what it reads: ELF, MacroSites, RelocSites) for the boot proof;
        // SiteModel for the study's op names (OpNames).
        #expect(deps["Kernel"] == ["CorpusBuild", "ELF", "MacroSites", "Pipeline", "Records", "RelocSites", "SiteModel"])
        let below = Self.closure("Kernel", deps)
        #expect(below.isDisjoint(with: ["Study", "Reports", "Gate"]), "\(below.sorted())")
        #expect(!Self.closure("Pipeline", deps).contains("Kernel"))
        #expect(!Self.closure("Study", deps).contains("Kernel"), "Study and Kernel share Pipeline's types")
    }

    @Test func kernelSourcesDoNotImportStudy() throws {
        let dir = Fixtures.repositoryRoot + "/Sources/Kernel"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".swift") }
        #expect(!files.isEmpty)
        for f in files {
            let text = try String(contentsOfFile: dir + "/" + f, encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("import ") {
                #expect(!["import Study", "import Reports", "import Gate"].contains(String(line)), "\(f): \(line)")
            }
        }
    }
}

/// The whole tree's objects (`--full`, scope `tree`): what is paired and
/// what is left out, on a fake build directory.
@Suite struct KernelTreeObjectsTests {
    static func write(_ path: String, _ bytes: [UInt8]) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    static let elf64: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]
    static let elf32: [UInt8] = [0x7f, 0x45, 0x4c, 0x46, 1, 1, 1, 0]

    @Test func treeObjectsLeaveOutWhatIsNotKernelCode() throws {
        let tree = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-tree-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: tree) }
        let kept = ["arch/x86/mm/init.o", "arch/x86/kernel/paravirt.o", "kernel/sched/core.o", "mm/memory.o",
                    "drivers/net/dummy.o", "init/version-timestamp.o", "arch/x86/entry/entry_64.o",
                    "arch/x86/entry/vdso-x/ok.o"]
        for f in kept { try Self.write(tree + "/" + f, Self.elf64) }
        // Left out: the whole kernel ld -r'd, modpost's, boot, real mode,
        // vDSO, host programs, a 32-bit object, a multi-object module's
        // own object (a thin archive; its parts are paired); archives are
        // not .o.
        for f in ["vmlinux.o", "drivers/net/dummy.mod.o", "arch/x86/boot/compressed/misc.o", "arch/x86/boot/main.o",
                  "arch/x86/realmode/rm/trampoline.o", "arch/x86/entry/vdso/vclock_gettime.o",
                  "arch/x86/tools/relocs_64.o", "scripts/mod/modpost.o", "tools/objtool/check.o",
                  "fs/ext4/part1.o", "fs/ext4/part2.o", "kernel/built-in.a", "vmlinux.a"] {
            try Self.write(tree + "/" + f, Self.elf64)
        }
        try Self.write(tree + "/arch/x86/kernel/head32ish.o", Self.elf32)
        try Self.write(tree + "/fs/ext4/ext4.o", Array("!<thin>\n".utf8))
        try "fs/ext4/part1.o fs/ext4/part2.o\n".write(toFile: tree + "/fs/ext4/ext4.mod", atomically: true, encoding: .utf8)
        // A single-object module's .mod names itself: the object stays.
        try "drivers/net/dummy.o\n".write(toFile: tree + "/drivers/net/dummy.mod", atomically: true, encoding: .utf8)
        let found = KernelPairs.treeObjects(in: tree)
        #expect(found == (kept + ["fs/ext4/part1.o", "fs/ext4/part2.o"]).sorted())
        // The subset's rule is the tree's, below the subset.
        #expect(KernelPairs.objects(in: tree, subset: ["arch/x86/mm/"]) == ["arch/x86/mm/init.o"])
    }
}
