import Compare
import SiteModel

/// The comparison under both the gate (baseline against results) and
/// `pvsites diff` (old study against new): two lists of configurations
/// paired by `ConfigID`, and, per pair and policy, each site key's missed
/// or spurious entries on both sides. Each front end decides what a
/// difference means (a regression, a site found) and how it is said.
///
/// A configuration listed twice on one side pairs once, the first time;
/// `old` still lists every entry (the gate reports each baseline entry).
public struct KeyedDiff<Old, New> {
    /// A configuration on both sides, under the new side's identity.
    public struct Pair {
        public let id: ConfigID
        public let old: Old
        public let new: New
    }

    /// Each old entry in the old side's order, duplicates included, with
    /// its new configuration when it has one.
    public let old: [(id: ConfigID, old: Old, new: New?)]
    /// Paired configurations, in the new side's order.
    public let pairs: [Pair]
    /// Old configurations without a new one, in the old side's order.
    public let onlyOld: [(id: ConfigID, old: Old)]
    /// New configurations without an old one, in the new side's order.
    public let onlyNew: [(id: ConfigID, new: New)]

    /// `old` and `new` as (identity, value); `pairing` maps an identity to
    /// the one it pairs by (the identity itself, or one that leaves the
    /// compiler out).
    public init(old: [(ConfigID, Old)], new: [(ConfigID, New)], pairing: (ConfigID) -> ConfigID = { $0 }) {
        func firsts<T>(_ list: [(ConfigID, T)]) -> [(key: ConfigID, id: ConfigID, value: T)] {
            var seen = Set<ConfigID>()
            return list.compactMap { id, v in
                let key = pairing(id)
                return seen.insert(key).inserted ? (key, id, v) : nil
            }
        }
        let before = firsts(old), after = firsts(new)
        var newByKey: [ConfigID: New] = [:], oldByKey: [ConfigID: Old] = [:]
        for a in after { newByKey[a.key] = a.value }
        for b in before { oldByKey[b.key] = b.value }
        self.old = old.map { id, v in (id, v, newByKey[pairing(id)]) }
        pairs = after.compactMap { a in oldByKey[a.key].map { Pair(id: a.id, old: $0, new: a.value) } }
        onlyOld = before.filter { newByKey[$0.key] == nil }.map { ($0.id, $0.value) }
        onlyNew = after.filter { oldByKey[$0.key] == nil }.map { ($0.id, $0.value) }
    }
}

/// One site key's missed (or spurious) entries in two results of a
/// configuration and policy: one source line can make several sites, so
/// each side is a multiset of causes.
public struct KeyDelta: Sendable, Hashable {
    public let key: SiteKey
    /// The causes on each side, in the result's order.
    public let old: [Cause?]
    public let new: [Cause?]

    public init(key: SiteKey, old: [Cause?], new: [Cause?]) {
        self.key = key
        self.old = old
        self.new = new
    }

    /// The old side's causes the new side does not have (as often), in
    /// the old side's order.
    public var gone: [Cause?] { Self.subtracting(new, from: old) }
    /// The new side's causes the old side does not have (as often).
    public var came: [Cause?] { Self.subtracting(old, from: new) }
    /// The new side's causes the old side has too.
    public var kept: [Cause?] { Self.subtracting(came, from: new) }

    /// Every key on either side, sorted.
    public static func deltas(old: [ConfigResult.KeyedOutcome], new: [ConfigResult.KeyedOutcome]) -> [KeyDelta] {
        func bag(_ list: [ConfigResult.KeyedOutcome]) -> [SiteKey: [Cause?]] {
            var out: [SiteKey: [Cause?]] = [:]
            for k in list { out[k.key, default: []].append(k.cause) }
            return out
        }
        let a = bag(old), b = bag(new)
        return Set(a.keys).union(b.keys).sorted().map { KeyDelta(key: $0, old: a[$0] ?? [], new: b[$0] ?? []) }
    }

    private static func subtracting(_ b: [Cause?], from a: [Cause?]) -> [Cause?] {
        var pool = b, out: [Cause?] = []
        for c in a {
            if let i = pool.firstIndex(of: c) { pool.remove(at: i) } else { out.append(c) }
        }
        return out
    }
}
