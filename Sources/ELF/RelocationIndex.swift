/// The relocations that patch one section, sorted by offset, looked up by
/// range as objtool's `find_reloc_by_dest_range()` does.
///
/// `ObjectFile.relocations(patching:)` builds one per section on first use
/// and keeps it; a read error is raised there, once, for every caller. A
/// sorted array and binary search: a vmlinux `.rela.text` has 450,000
/// entries, and a table per byte would cost more than the file.
public struct RelocationIndex: Sendable {
    /// Sorted by offset; entries at one offset keep their file order.
    public let entries: [Relocation]

    /// The index of `relocations`, in any order (tests and hand-built
    /// sections; a file's comes from `ObjectFile.relocations(patching:)`).
    public init(_ relocations: [Relocation]) {
        // Relocation sections are nearly always sorted already: check
        // before sorting, and sort stably (by position) when they are not.
        if relocations.indices.dropFirst().allSatisfy({ relocations[$0 - 1].offset <= relocations[$0].offset }) {
            entries = relocations
        } else {
            entries = relocations.enumerated()
                .sorted { $0.element.offset != $1.element.offset ? $0.element.offset < $1.element.offset : $0.offset < $1.offset }
                .map(\.element)
        }
    }

    public static let empty = RelocationIndex([])

    public var isEmpty: Bool { entries.isEmpty }
    public var count: Int { entries.count }

    /// The relocations whose field starts in `range`, by offset.
    public func all(in range: Range<UInt64>) -> ArraySlice<Relocation> {
        let lo = firstIndex(atOrAfter: range.lowerBound)
        var hi = lo
        while hi < entries.count && entries[hi].offset < range.upperBound { hi += 1 }
        return entries[lo ..< hi]
    }

    /// The first relocation whose field starts in `range`.
    public func find(in range: Range<UInt64>) -> Relocation? {
        let i = firstIndex(atOrAfter: range.lowerBound)
        return i < entries.count && entries[i].offset < range.upperBound ? entries[i] : nil
    }

    /// The relocation whose field starts at `offset` (the first, should
    /// two share it).
    public func find(at offset: UInt64) -> Relocation? {
        let i = firstIndex(atOrAfter: offset)
        return i < entries.count && entries[i].offset == offset ? entries[i] : nil
    }

    private func firstIndex(atOrAfter offset: UInt64) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if entries[mid].offset < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
