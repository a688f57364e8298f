import ELF
import CElf

/// The scope tree of one compilation unit: every subprogram, inlined
/// subroutine and lexical block that has code, with its address ranges,
/// nested as in DWARF. Answers "which scopes contain this address?" by
/// binary search at each level instead of a walk of the unit per address
/// (what `dwarf_getscopes` does, twice, for each address eu-addr2line is
/// given). A 630 MB vmlinux asked for thousands of addresses reads each of
/// the units it needs once.
///
/// The tree is read lazily, one level at a time: the unit's top-level
/// scopes when the index is made, a scope's children the first time an
/// address falls inside it. Only the scopes on the paths to the addresses
/// asked about are ever expanded (a big unit has thousands of inlined
/// subroutines; a few call sites need a dozen of them). The answers are
/// those of a full walk: each level is read whole, in DIE order.
///
/// Pruning follows `dwarf_getscopes`: a scope without code hides its
/// children, and among siblings that overlap (broken DWARF) the first in
/// DIE order wins.
final class ScopeIndex {
    struct Interval {
        let low: UInt64
        let high: UInt64
        let node: Int32
    }

    struct Node {
        let offset: Dwarf_Off
        let tag: Int32
        /// The DIE itself (valid while the Dwarf lives), to read its
        /// children when an address first falls inside it.
        let die: Dwarf_Die
        /// The depth its children are read at (a guard against DIE cycles).
        let childDepth: Int
        /// Children's ranges, sorted by `low`; nil until first needed.
        var children: [Interval]?
        var childrenOverlap = false
    }

    /// The unit's DIE offset, and what eu-addr2line needs to print files.
    let unitOffset: Dwarf_Off
    let compDir: String?
    /// The unit's DW_AT_name: the source file compiled.
    let name: String?
    /// dwarf_getsrcfiles' table; owned by libdw, valid while the Dwarf lives.
    let files: OpaquePointer?
    private(set) var nodes: [Node] = []
    private var roots: [Interval] = []
    private var rootsOverlap = false

    init(unit: Dwarf_Die) {
        var cu = unit
        unitOffset = DIE.offset(&cu)
        compDir = DIE.string(&cu, DW_AT_comp_dir)
        name = DIE.string(&cu, DW_AT_name)
        var files: OpaquePointer?
        var count = 0
        self.files = dwarf_getsrcfiles(&cu, &files, &count) == 0 ? files : nil
        var top: [Interval] = []
        collect(children: &cu, into: &top, depth: 0)
        (roots, rootsOverlap) = Self.sorted(top)
    }

    /// Scopes with code that `dwarf_getscopes` descends into.
    private static func isScope(_ tag: Int32) -> Bool {
        switch Int(tag) {
        case DW_TAG_subprogram, DW_TAG_inlined_subroutine, DW_TAG_lexical_block, DW_TAG_entry_point,
             DW_TAG_with_stmt, DW_TAG_try_block, DW_TAG_catch_block:
            return true
        default:
            return false
        }
    }

    /// Containers without code whose children may have some (C++, Fortran).
    private static func isTransparent(_ tag: Int32) -> Bool {
        let t = Int(tag)
        return t == DW_TAG_namespace || t == DW_TAG_module
    }

    static func isFunction(_ tag: Int32) -> Bool {
        let t = Int(tag)
        return t == DW_TAG_subprogram || t == DW_TAG_inlined_subroutine || t == DW_TAG_entry_point
    }

    /// One level: the scopes with code among `parent`'s children (through
    /// transparent containers), in DIE order; their own children wait.
    private func collect(children parent: inout Dwarf_Die, into intervals: inout [Interval], depth: Int) {
        // Real nesting stays far below this; it only stops a DIE cycle.
        guard depth < 256 else { return }
        DIE.forEachChild(of: &parent) { child in
            let tag = DIE.tag(&child)
            if Self.isTransparent(tag) {
                collect(children: &child, into: &intervals, depth: depth + 1)
                return true
            }
            guard Self.isScope(tag) else { return true }
            let ranges = DIE.ranges(&child)
            if ranges.isEmpty { return true }
            let index = Int32(nodes.count)
            nodes.append(Node(offset: DIE.offset(&child), tag: tag, die: child, childDepth: depth + 1))
            for r in ranges { intervals.append(Interval(low: r.low, high: r.high, node: index)) }
            return true
        }
    }

    /// Node `n`'s children, read on first use.
    private func children(of n: Int32) -> ([Interval], Bool) {
        let i = Int(n)
        if let known = nodes[i].children { return (known, nodes[i].childrenOverlap) }
        var die = nodes[i].die
        var inner: [Interval] = []
        collect(children: &die, into: &inner, depth: nodes[i].childDepth)
        let (sorted, overlap) = Self.sorted(inner)
        nodes[i].children = sorted
        nodes[i].childrenOverlap = overlap
        return (sorted, overlap)
    }

    private static func sorted(_ intervals: [Interval]) -> ([Interval], Bool) {
        let s = intervals.sorted { $0.low != $1.low ? $0.low < $1.low : $0.node < $1.node }
        var overlap = false
        var maxHigh: UInt64 = 0
        for (i, iv) in s.enumerated() {
            if i > 0, iv.low < maxHigh { overlap = true; break }
            maxHigh = max(maxHigh, iv.high)
        }
        return (s, overlap)
    }

    /// The child of a level that contains `pc`: binary search when siblings
    /// are disjoint, else the first in DIE order (node indices of one level
    /// follow it: a level is read in one pass).
    private static func find(_ pc: UInt64, in intervals: [Interval], overlap: Bool) -> Int32? {
        if overlap {
            var best: Int32?
            for iv in intervals {
                if iv.low > pc { break }
                if pc < iv.high, best.map({ iv.node < $0 }) ?? true { best = iv.node }
            }
            return best
        }
        var lo = 0, hi = intervals.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if intervals[mid].low <= pc { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else { return nil }
        let iv = intervals[lo - 1]
        return pc < iv.high ? iv.node : nil
    }

    /// Indices of the nodes containing `pc`, innermost first.
    func scopes(containing pc: UInt64) -> [Int32] {
        var path: [Int32] = []
        var level = roots, overlap = rootsOverlap
        while let n = Self.find(pc, in: level, overlap: overlap) {
            path.append(n)
            (level, overlap) = children(of: n)
        }
        return path.reversed()
    }
}
