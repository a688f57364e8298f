import Foundation
import Pipeline

/// The object pairs of one configuration: every single object below the
/// subset directories (what check.py reads, so the counts agree), or of
/// the whole tree, in both trees, by relative path.
public enum KernelPairs {
    /// Relative paths of the objects below `subset` in `tree`, sorted.
    /// Left out: the object of a multi-object module (its `<name>.mod`
    /// lists other objects: the parts, which are paired; the module's own
    /// `.o` would count their sites again) and `.o` files that are not ELF
    /// (Kbuild's thin archives for composite modules).
    public static func objects(in tree: String, subset: [String]) -> [String] {
        var found: [String] = []
        var composite = Set<String>()
        for dir in subset { walk(tree, dir, into: &found, composite: &composite) }
        return Set(found).subtracting(composite).filter { isELF(tree + "/" + $0) }.sorted()
    }

    /// Relative paths of every object of the whole tree that goes into the
    /// kernel, sorted: the subset's rule (parts of multi-object modules,
    /// not the module's own object; no thin archives) over the whole build
    /// directory, 64-bit ELF only,
    /// and without what is not kernel code or would count sites twice:
    /// `vmlinux.o` (the whole kernel `ld -r`'d: the vmlinux scope measures
    /// the linked image), `*.mod.o` (modpost's generated module info),
    /// `arch/x86/boot/` (bzImage's setup and decompressor, built without
    /// paravirt, partly 16-bit), `arch/x86/realmode/rm/` (the 16-bit
    /// trampoline, linked into vmlinux only as a blob),
    /// `arch/x86/entry/vdso/` (the user-space vDSO, likewise a blob) and
    /// the host programs (`scripts/`, `tools/`, `arch/x86/tools/`).
    /// `built-in.a` and `vmlinux.a` are thin archives of the objects
    /// already listed, not `.o` files, and are never opened.
    public static func treeObjects(in tree: String) -> [String] {
        var found: [String] = []
        var composite = Set<String>()
        walk(tree, "", into: &found, composite: &composite)
        return Set(found).subtracting(composite)
            .filter { rel in
                rel != "vmlinux.o" && !rel.hasSuffix(".mod.o")
                    && !notInTheKernel.contains { rel.hasPrefix($0) } && isELF64(tree + "/" + rel)
            }
            .sorted()
    }

    /// Directories of a build whose objects are not kernel code linked as
    /// such (see `treeObjects`).
    static let notInTheKernel = ["arch/x86/boot/", "arch/x86/realmode/rm/", "arch/x86/entry/vdso/",
                                 "arch/x86/tools/", "scripts/", "tools/"]

    /// The `.o` files below `tree/dir` (`dir` empty or ending in `/`), by
    /// path relative to `tree`; the object of a module whose `.mod` lists
    /// other objects (its parts) goes into `composite`.
    private static func walk(_ tree: String, _ dir: String, into found: inout [String], composite: inout Set<String>) {
        let top = tree + "/" + dir
        guard let walker = FileManager.default.enumerator(atPath: top) else { return }
        while let rel = walker.nextObject() as? String {
            let path = dir + rel
            if rel.hasSuffix(".o") {
                found.append(path)
            } else if rel.hasSuffix(".mod") {
                let text = (try? String(contentsOfFile: top + rel, encoding: .utf8)) ?? ""
                let members = text.split(whereSeparator: \.isWhitespace).map(String.init)
                let own = String(path.dropLast(4)) + ".o"
                if members.count > 1 || (members.first.map { $0 != own } ?? false) { composite.insert(own) }
            }
        }
    }

    /// An ELF file of class 64 (x86-64 objects; the 16-bit and 32-bit
    /// ones of boot code are ELF32).
    static func isELF64(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 5)) == Data([0x7f, 0x45, 0x4c, 0x46, 2])
    }

    static func isELF(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 4)) == Data([0x7f, 0x45, 0x4c, 0x46])
    }

    public struct Pairing: Sendable {
        public let pairs: [ObjectPair]
        /// Objects that only one build has (none expected: the builds
        /// differ only in KCFLAGS, and in the direct build's trampolines,
        /// which `unpaired` leaves out).
        public let onlyAnnotated: [String]
        public let onlyPlain: [String]
    }

    /// `unpaired`: objects of the second build that are expected to have
    /// no counterpart (neither paired nor reported).
    public static func pair(annotated: String, plain: String, subset: [String], unpaired: Set<String> = []) -> Pairing {
        pair(annotated: annotated, plain: plain, unpaired: unpaired) { objects(in: $0, subset: subset) }
    }

    /// Every object pair of the two whole trees (`treeObjects`).
    public static func pairTree(annotated: String, plain: String, unpaired: Set<String> = []) -> Pairing {
        pair(annotated: annotated, plain: plain, unpaired: unpaired, listing: treeObjects)
    }

    private static func pair(annotated: String, plain: String, unpaired: Set<String>,
                             listing: (String) -> [String]) -> Pairing {
        let a = listing(annotated).filter { !unpaired.contains($0) }
        let p = listing(plain).filter { !unpaired.contains($0) }
        let inPlain = Set(p), inAnnotated = Set(a)
        let pairs = a.filter(inPlain.contains).map {
            ObjectPair(annotated: annotated + "/" + $0, plain: plain + "/" + $0, name: $0)
        }
        return Pairing(pairs: pairs, onlyAnnotated: a.filter { !inPlain.contains($0) },
                       onlyPlain: p.filter { !inAnnotated.contains($0) })
    }
}
