import DebugInfo
import SiteModel

/// Two builds of one source made in two places: a kernel tree patched once
/// for the annotated and plain builds and once more for the direct form, or
/// two checkouts. DWARF gives each build's absolute paths
/// (`/src/linux-6.12-patched/arch/x86/entry/entry_64.S` against
/// `/src/linux-6.12-direct-patched/arch/x86/entry/entry_64.S`), so site keys
/// and compilation units, which pair by path, would not pair at all; the
/// function passes then paired what they could, and an asm site, whose
/// function chain is one frame, not at all (6.12's error_return).
///
/// The roots are read from the paths themselves: an annotated path the
/// plain build does not have, and a plain one with the same last two or
/// more components, vote for the pair of prefixes before those components;
/// the pair with most votes wins. Each annotated path the plain build does
/// not have is then read under the plain root, where the plain build has
/// that path; every other path stays as it is (a tree copied for one build
/// can still name most files in the original: Linux 6.12's direct tree
/// names its C files in the plain tree and its asm in its own).
struct SourceRoots {
    /// Annotated paths and the plain build's name for each.
    let moved: [String: String]

    /// A pair of roots, each ending in `/`.
    struct Roots: Hashable {
        let annotated: String
        let plain: String
    }

    /// How many trailing path components two paths must share to vote.
    static let sharedComponents = 2

    /// nil when every annotated path is one the plain build has too, or no
    /// pair of roots moves one onto a path the plain build has.
    static func find(annotated: [Site], plain: [Site]) -> SourceRoots? {
        let a = paths(annotated), p = paths(plain)
        let onlyAnnotated = a.subtracting(p), onlyPlain = p.subtracting(a)
        guard !onlyAnnotated.isEmpty, !onlyPlain.isEmpty else { return nil }
        var byName: [Substring: [[Substring]]] = [:]
        for path in onlyPlain {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            byName[parts.last!, default: []].append(parts)
        }
        var votes: [Roots: Int] = [:]
        for path in onlyAnnotated {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            for other in byName[parts.last!] ?? [] {
                var shared = 0
                while shared < min(parts.count, other.count) - 1,
                      parts[parts.count - 1 - shared] == other[other.count - 1 - shared] { shared += 1 }
                guard shared >= sharedComponents else { continue }
                let roots = Roots(annotated: parts.dropLast(shared).joined(separator: "/") + "/",
                                  plain: other.dropLast(shared).joined(separator: "/") + "/")
                if roots.annotated != roots.plain { votes[roots, default: 0] += 1 }
            }
        }
        guard let roots = votes.max(by: { ($0.value, $1.key.annotated, $1.key.plain) < ($1.value, $0.key.annotated, $0.key.plain) })?.key
        else { return nil }
        var moved: [String: String] = [:]
        for path in onlyAnnotated where path.hasPrefix(roots.annotated) {
            let there = roots.plain + path.dropFirst(roots.annotated.count)
            if onlyPlain.contains(there) { moved[path] = there }
        }
        return moved.isEmpty ? nil : SourceRoots(moved: moved)
    }

    /// The absolute paths sites name: their units and every frame's file.
    private static func paths(_ sites: [Site]) -> Set<String> {
        var out = Set<String>()
        for s in sites {
            if let u = s.unit, u.hasPrefix("/") { out.insert(u) }
            for f in s.source where f.file.hasPrefix("/") { out.insert(f.file) }
        }
        return out
    }

    /// The site with its paths as the plain build names them.
    func rebase(_ site: Site) -> Site {
        var s = site
        s.unit = s.unit.map(rebase)
        s.source = s.source.map { SourceFrame(function: $0.function, file: rebase($0.file), line: $0.line, column: $0.column) }
        return s
    }

    func rebase(_ path: String) -> String { moved[path] ?? path }
}
