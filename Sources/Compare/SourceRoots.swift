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
/// the prefix pair with most votes that keeps every path the builds share
/// wins. The annotated build's paths under its root are then read as under
/// the plain build's.
struct SourceRoots: Hashable {
    /// The annotated build's root and the plain build's, each ending in `/`.
    let annotated: String
    let plain: String

    /// How many trailing path components two paths must share to vote.
    static let sharedComponents = 2

    /// nil when every annotated path is one the plain build has too, or no
    /// pair of roots explains the others.
    static func find(annotated: [Site], plain: [Site]) -> SourceRoots? {
        let a = paths(annotated), p = paths(plain)
        let onlyAnnotated = a.subtracting(p), onlyPlain = p.subtracting(a)
        guard !onlyAnnotated.isEmpty, !onlyPlain.isEmpty else { return nil }
        var byName: [Substring: [[Substring]]] = [:]
        for path in onlyPlain {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            byName[parts.last!, default: []].append(parts)
        }
        var votes: [SourceRoots: Int] = [:]
        for path in onlyAnnotated {
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            for other in byName[parts.last!] ?? [] {
                var shared = 0
                while shared < min(parts.count, other.count) - 1,
                      parts[parts.count - 1 - shared] == other[other.count - 1 - shared] { shared += 1 }
                guard shared >= sharedComponents else { continue }
                let roots = SourceRoots(annotated: parts.dropLast(shared).joined(separator: "/") + "/",
                                        plain: other.dropLast(shared).joined(separator: "/") + "/")
                if roots.annotated != roots.plain { votes[roots, default: 0] += 1 }
            }
        }
        // Most votes first; a pair that would part paths the two builds
        // already share (one tree: a header only one build includes, whose
        // last components another path shares) is no pair of roots.
        let ranked = votes.sorted { ($0.value, $1.key.annotated, $1.key.plain) > ($1.value, $0.key.annotated, $0.key.plain) }
        return ranked.first { candidate in
            a.intersection(p).allSatisfy { p.contains(candidate.key.rebase($0)) }
        }?.key
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

    /// The site with its paths under the plain build's root.
    func rebase(_ site: Site) -> Site {
        var s = site
        s.unit = s.unit.map(rebase)
        s.source = s.source.map { SourceFrame(function: $0.function, file: rebase($0.file), line: $0.line, column: $0.column) }
        return s
    }

    func rebase(_ path: String) -> String {
        path.hasPrefix(annotated) ? plain + path.dropFirst(annotated.count) : path
    }
}
