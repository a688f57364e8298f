import Compare
import RelocSites

/// The totals of one policy, named: the JSON `summary` is the dataflow
/// policy's counts with `"policy": "dataflow"` beside them, so a script
/// reading `summary.found` knows which scan found them.
@dynamicMemberLookup
public struct PolicySummary: Codable, Sendable, Equatable {
    public let policy: Policy
    public let counts: Counts

    public init(policy: Policy, counts: Counts) {
        self.policy = policy
        self.counts = counts
    }

    public subscript<T>(dynamicMember path: KeyPath<Counts, T>) -> T { counts[keyPath: path] }

    private enum Key: String, CodingKey { case policy }

    public init(from decoder: Decoder) throws {
        counts = try Counts(from: decoder)
        // Studies written before the summary named its policy: dataflow.
        policy = try decoder.container(keyedBy: Key.self).decodeIfPresent(Policy.self, forKey: .policy) ?? .dataflow
    }

    public func encode(to encoder: Encoder) throws {
        try counts.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(policy, forKey: .policy)
    }
}
