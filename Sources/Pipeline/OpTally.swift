import Compare
import RelocSites
import SiteModel

/// One op's annotated sites in one configuration, and what each policy made
/// of them: the per-op breakdown (`--by-op`), which shows which ops a scan
/// loses (irq save/restore hoisted out of loops, say).
public struct OpTally: Codable, Sendable, Hashable {
    /// What each policy made of the op's annotated sites.
    public struct PolicyTally: Codable, Sendable, Hashable {
        /// Found in a shape that is really there.
        public var found = 0
        /// Partnered only by a guess that cannot be patched (naive).
        public var misplaced = 0
        /// Missed, copies-differ included (see `causes`).
        public var missed = 0
        /// The causes of `missed`.
        public var causes: [Cause: Int] = [:]

        public init() {}

        static func + (a: PolicyTally, b: PolicyTally) -> PolicyTally {
            var c = a
            c.found += b.found
            c.misplaced += b.misplaced
            c.missed += b.missed
            c.causes.merge(b.causes, uniquingKeysWith: +)
            return c
        }

        /// The cause with most sites (ties by the catalogue's order).
        public var topCause: Cause? {
            causes.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
        }
    }

    /// The op; in JSON its name (`irq.save_fl`), or its field offset
    /// (`+0x128`) when no build named it, beside `offset`.
    public var op: Op
    /// Field offset in the table: the order ops are listed in.
    public var offset: Int64 { op.offset }
    public var annotated: Int
    public var policies: [Policy: PolicyTally]

    public init(op: Op, annotated: Int = 0, policies: [Policy: PolicyTally] = [:]) {
        self.op = op
        self.annotated = annotated
        self.policies = policies
    }

    enum CodingKeys: String, CodingKey { case op, offset, annotated, policies }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        op = Op(offset: try c.decode(Int64.self, forKey: .offset), text: try c.decode(String.self, forKey: .op))
        annotated = try c.decode(Int.self, forKey: .annotated)
        policies = try c.decode([Policy: PolicyTally].self, forKey: .policies)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(op.description, forKey: .op)
        try c.encode(op.offset, forKey: .offset)
        try c.encode(annotated, forKey: .annotated)
        try c.encode(policies, forKey: .policies)
    }

    /// Tallies of one comparison per policy, by op; `outcomes` must hold
    /// every annotated site once per policy.
    static func tally(_ outcomes: [Policy: [Outcome]]) -> [Int64: OpTally] {
        var ops: [Int64: OpTally] = [:]
        for (policy, list) in outcomes {
            for o in list {
                guard let site = o.annotated else { continue }
                let key = site.op.offset
                if ops[key] == nil { ops[key] = OpTally(op: site.op) }
                // Every policy sees every annotated site: count them once.
                if policy == Policy.allCases.first { ops[key]!.annotated += 1 }
                var t = ops[key]!.policies[policy] ?? PolicyTally()
                if o.kind.isFound { t.found += 1 }
                if o.kind == .misplaced { t.misplaced += 1 }
                if o.kind == .missed {
                    t.missed += 1
                    if let c = o.cause { t.causes[c, default: 0] += 1 }
                }
                ops[key]!.policies[policy] = t
            }
        }
        return ops
    }

    /// Sums tallies by op offset (pairs into configurations, configurations
    /// into totals), ordered by offset.
    public static func merge(_ lists: [[OpTally]]) -> [OpTally] {
        var ops: [Int64: OpTally] = [:]
        for list in lists {
            for t in list {
                guard var have = ops[t.offset] else { ops[t.offset] = t; continue }
                if have.op.name == nil { have.op = t.op }
                have.annotated += t.annotated
                have.policies.merge(t.policies, uniquingKeysWith: +)
                ops[t.offset] = have
            }
        }
        return ops.values.sorted { $0.offset < $1.offset }
    }
}
