import Foundation
import Pipeline

/// The object pairs of one configuration: every single object below the
/// subset directories, in both trees, by relative path (what check.py
/// reads, so the counts agree).
public enum KernelPairs {
    /// Relative paths of the objects below `subset` in `tree`, sorted.
    /// Left out: parts of multi-object modules (the members a `<name>.mod`
    /// lists, whose sites the linked module would count again) and `.o`
    /// files that are not ELF (Kbuild's thin archives for composite modules).
    public static func objects(in tree: String, subset: [String]) -> [String] {
        let fm = FileManager.default
        var found: [String] = []
        var composite = Set<String>()
        for dir in subset {
            let top = tree + "/" + dir
            guard let walker = fm.enumerator(atPath: top) else { continue }
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
        return Set(found).subtracting(composite).filter { isELF(tree + "/" + $0) }.sorted()
    }

    static func isELF(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        return (try? h.read(upToCount: 4)) == Data([0x7f, 0x45, 0x4c, 0x46])
    }

    /// Objects only the direct build has, by design: its trampolines
    /// (direct-mode.patch adds pv_tramp.o; empty in the other builds, which
    /// do not have the file).
    public static let trampolineObjects: Set<String> = ["arch/x86/kernel/pv_tramp.o"]

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
        let a = objects(in: annotated, subset: subset).filter { !unpaired.contains($0) }
        let p = objects(in: plain, subset: subset).filter { !unpaired.contains($0) }
        let inPlain = Set(p), inAnnotated = Set(a)
        let pairs = a.filter(inPlain.contains).map {
            ObjectPair(annotated: annotated + "/" + $0, plain: plain + "/" + $0, name: $0)
        }
        return Pairing(pairs: pairs, onlyAnnotated: a.filter { !inPlain.contains($0) },
                       onlyPlain: p.filter { !inAnnotated.contains($0) })
    }
}
