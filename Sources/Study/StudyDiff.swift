import Compare
import CorpusBuild
import RelocSites
import SiteModel
import Pipeline

/// What changed between two studies (`pvsites diff OLD.json NEW.json`), in
/// the manner of the kernel's `bloat-o-meter`: per configuration and
/// policy, the sites a scan gained or lost (by site key, with causes) and
/// the spurious sites that came or went, then one line of totals. For a
/// person comparing two compilers, flags or patches; the CI gate stays
/// `pvsites gate`.
///
/// Configurations are paired by their `ConfigID` (compiler, variant, opt
/// level, link form, form, and the kernel and retpoline setting and scope
/// of a Linux A/B) through `KeyedDiff`, as the gate pairs them. When the two studies were
/// made with one compiler each and those differ (gcc against gcc-11), the
/// compiler is left out of the pairing: that is the comparison asked for;
/// likewise the variant, for two studies of one variant each (kernel
/// against retpoline).
public struct StudyDiff: Sendable {
    /// A site key that came or went, or whose cause changed.
    public struct SiteChange: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Codable {
            /// Missed before, found now.
            case found
            /// Found before, missed now.
            case missed
            /// Missed in both, for another cause.
            case cause
            /// Spurious now, not before.
            case spuriousAdded = "spurious-added"
            /// Spurious before, not now.
            case spuriousRemoved = "spurious-removed"
        }

        public let kind: Kind
        public let key: SiteKey
        /// The op's name when either study names it.
        public let op: String?
        /// Before the change (the miss's cause for `found` and `cause`).
        public let oldCause: Cause?
        /// After the change (the miss's cause for `missed` and `cause`).
        public let newCause: Cause?

        enum CodingKeys: String, CodingKey {
            case kind, key, op
            case oldCause = "old_cause"
            case newCause = "new_cause"
        }
    }

    /// The numbers of one policy in one configuration, before and after.
    public struct Numbers: Sendable, Hashable, Codable {
        public let annotated: Int
        public let found: Int
        public let missed: Int
        public let spurious: Int

        public init(_ c: Counts) {
            self.init(annotated: c.annotated, found: c.found, missed: c.missed, spurious: c.spurious)
        }

        init(annotated: Int, found: Int, missed: Int, spurious: Int) {
            self.annotated = annotated
            self.found = found
            self.missed = missed
            self.spurious = spurious
        }

        public static let zero = Numbers(Counts())
    }

    /// One configuration and policy that changed.
    public struct Row: Sendable {
        public let config: ConfigID
        public let policy: Policy
        public let old: Numbers
        public let new: Numbers
        /// In the order: found, missed, cause, spurious added, removed;
        /// each by key.
        public let sites: [SiteChange]
    }

    public let oldCompilers: [String]
    public let newCompilers: [String]
    /// True when the pairing leaves the compiler out.
    public let acrossCompilers: Bool
    public let oldVariants: [String]
    public let newVariants: [String]
    /// True when the pairing leaves the variant out (one each, differing).
    public let acrossVariants: Bool
    public let oldKernels: [String]
    public let newKernels: [String]
    /// True when the pairing leaves the Linux version out (one each,
    /// differing): rows pair by opt, retpolines, form, link and scope.
    /// Site keys are not compared then: their lines are another source's.
    public let acrossKernels: Bool
    /// Configurations and policies that changed, in configuration order
    /// (the new study's), then by policy.
    public let rows: [Row]
    /// Paired configurations, changed or not.
    public let paired: Int
    /// Paired (configuration, policy) cells, changed or not.
    public let cells: Int
    public let onlyOld: [ConfigID]
    public let onlyNew: [ConfigID]
    /// Per policy, over the paired configurations: before and after.
    public let totals: [Policy: (old: Numbers, new: Numbers)]

    public init(old: StudyResult, new: StudyResult) {
        oldCompilers = Self.inOrder(old.configs.map(\.compiler))
        newCompilers = Self.inOrder(new.configs.map(\.compiler))
        let across = oldCompilers.count == 1 && newCompilers.count == 1 && oldCompilers != newCompilers
        acrossCompilers = across
        oldVariants = Self.inOrder(old.configs.map(\.variant))
        newVariants = Self.inOrder(new.configs.map(\.variant))
        let acrossV = oldVariants.count == 1 && newVariants.count == 1 && oldVariants != newVariants
        acrossVariants = acrossV
        oldKernels = Self.inOrder(old.configs.compactMap(\.id.kernel))
        newKernels = Self.inOrder(new.configs.compactMap(\.id.kernel))
        let acrossK = oldKernels.count == 1 && newKernels.count == 1 && oldKernels != newKernels
        acrossKernels = acrossK
        // Named as paired: without the compiler, variant or kernel left out.
        let ids = { (r: StudyResult) in
            r.configs.map { ($0.id.leavingOut(compiler: across, variant: acrossV, kernel: acrossK), $0) }
        }
        let diff = KeyedDiff(old: ids(old), new: ids(new))
        let names = OpNames(ops: (old.configs + new.configs).flatMap { $0.ops ?? [] }.map(\.op))
        var rows: [Row] = []
        var totals: [Policy: (old: Numbers, new: Numbers)] = [:]
        var cells = 0
        for pair in diff.pairs {
            let (id, o, n) = (pair.id, pair.old, pair.new)
            for p in Policy.allCases where o.policies[p] != nil || n.policies[p] != nil {
                cells += 1
                let a = Numbers(o.policies[p] ?? Counts()), b = Numbers(n.policies[p] ?? Counts())
                let t = totals[p] ?? (.zero, .zero)
                totals[p] = (t.old + a, t.new + b)
                let sites = acrossK ? [] : Self.changes(old: o.keys[p], new: n.keys[p], names: names)
                if a != b || !sites.isEmpty {
                    rows.append(Row(config: id, policy: p, old: a, new: b, sites: sites))
                }
            }
        }
        self.rows = rows
        self.paired = diff.pairs.count
        self.cells = cells
        self.totals = totals
        onlyOld = diff.onlyOld.map(\.id)
        onlyNew = diff.onlyNew.map(\.id)
    }

    /// Keys compared as multisets (one source line can make several sites).
    static func changes(old: ConfigResult.PolicyKeys?, new: ConfigResult.PolicyKeys?,
                        names: OpNames) -> [SiteChange] {
        var out: [SiteChange] = []
        let change = { (kind: SiteChange.Kind, key: SiteKey, was: Cause?, now: Cause?) in
            out.append(SiteChange(kind: kind, key: key, op: names[key.op], oldCause: was, newCause: now))
        }
        for d in KeyDelta.deltas(old: old?.missed ?? [], new: new?.missed ?? []) {
            // The same cause on both sides is no change.
            var was = d.gone, now = d.came
            while !was.isEmpty && !now.isEmpty { change(.cause, d.key, was.removeFirst(), now.removeFirst()) }
            for c in was { change(.found, d.key, c, nil) }
            for c in now { change(.missed, d.key, nil, c) }
        }
        for d in KeyDelta.deltas(old: old?.spurious ?? [], new: new?.spurious ?? []) {
            for c in d.new.dropFirst(d.old.count) { change(.spuriousAdded, d.key, nil, c) }
            for c in d.old.dropFirst(d.new.count) { change(.spuriousRemoved, d.key, c, nil) }
        }
        let order: [SiteChange.Kind] = [.found, .missed, .cause, .spuriousAdded, .spuriousRemoved]
        return out.enumerated().sorted { (order.firstIndex(of: $0.element.kind)!, $0.offset)
            < (order.firstIndex(of: $1.element.kind)!, $1.offset) }.map(\.element)
    }

    /// Rows that changed alike, for the text: the same configuration but
    /// for its link form, the same deltas and the same sites (an object
    /// and its linked image, the three policies, usually agree).
    public struct Group: Sendable {
        public let rows: [Row]
        public var links: [LinkForm] { Self.inOrder(rows.map(\.config.link)) }
        public var policies: [Policy] { Self.inOrder(rows.map(\.policy)) }

        private static func inOrder<T: Hashable>(_ items: [T]) -> [T] {
            var seen = Set<T>()
            return items.filter { seen.insert($0).inserted }
        }
    }

    public var groups: [Group] {
        struct Key: Hashable {
            let config: ConfigID
            let deltas: [Int]
            let sites: [SiteChange]
        }
        var order: [Key] = []
        var members: [Key: [Row]] = [:]
        for r in rows {
            let k = Key(config: r.config.with(link: .object),
                        deltas: [r.new.annotated - r.old.annotated, r.new.found - r.old.found,
                                 r.new.missed - r.old.missed, r.new.spurious - r.old.spurious],
                        sites: r.sites)
            if members[k] == nil { order.append(k) }
            members[k, default: []].append(r)
        }
        return order.map { Group(rows: members[$0]!) }
    }

    /// Site changes of every row, by kind.
    public func count(_ kind: SiteChange.Kind) -> Int {
        rows.reduce(0) { $0 + $1.sites.filter { $0.kind == kind }.count }
    }

    private static func inOrder<T: Hashable>(_ items: [T]) -> [T] {
        var seen = Set<T>()
        return items.filter { seen.insert($0).inserted }
    }
}

extension StudyDiff.Numbers {
    static func + (a: Self, b: Self) -> Self {
        Self(annotated: a.annotated + b.annotated, found: a.found + b.found, missed: a.missed + b.missed,
             spurious: a.spurious + b.spurious)
    }
}
