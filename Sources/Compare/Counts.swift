/// The numbers of a comparison, under the names the JSON reports use.
public struct Counts: Sendable, Codable, Equatable {
    public var annotated = 0
    /// Scanned sites, whatever became of them.
    public var found = 0
    public var matched = 0
    public var missed = 0
    public var spurious = 0
    public var sizeMismatched = 0
    public var kindMismatched = 0
    public var clobberUnsafe = 0
    /// Pairs matched only by op + innermost position (the builds inlined
    /// differently); included in the counts above.
    public var inliningMatched = 0
    public var spuriousUnannotatedCall = 0
    public var spuriousNonCall = 0
    /// Cause → count, over missed and spurious.
    public var causes: [String: Int] = [:]

    enum CodingKeys: String, CodingKey {
        case annotated, found, matched, missed, spurious, causes
        case sizeMismatched = "size_mismatched"
        case kindMismatched = "kind_mismatched"
        case clobberUnsafe = "clobber_unsafe"
        case inliningMatched = "inlining_matched"
        case spuriousUnannotatedCall = "spurious_unannotated_call"
        case spuriousNonCall = "spurious_non_call"
    }

    public init() {}

    init(_ outcomes: [Outcome]) {
        for o in outcomes {
            if o.annotated != nil { annotated += 1 }
            if o.found != nil { found += 1 }
            switch o.kind {
            case .matched: matched += 1
            case .sizeMismatched: sizeMismatched += 1
            case .kindMismatched: kindMismatched += 1
            case .clobberUnsafe: clobberUnsafe += 1
            case .missed: missed += 1
            case .spurious:
                spurious += 1
                if o.cause == .unannotatedCall { spuriousUnannotatedCall += 1 } else { spuriousNonCall += 1 }
            }
            if o.inliningDiffers { inliningMatched += 1 }
            if let c = o.cause { causes[c.rawValue, default: 0] += 1 }
        }
    }

    /// Sum two sets of counts (configs into totals).
    public static func + (a: Counts, b: Counts) -> Counts {
        var c = a
        c.annotated += b.annotated
        c.found += b.found
        c.matched += b.matched
        c.missed += b.missed
        c.spurious += b.spurious
        c.sizeMismatched += b.sizeMismatched
        c.kindMismatched += b.kindMismatched
        c.clobberUnsafe += b.clobberUnsafe
        c.inliningMatched += b.inliningMatched
        c.spuriousUnannotatedCall += b.spuriousUnannotatedCall
        c.spuriousNonCall += b.spuriousNonCall
        c.causes.merge(b.causes, uniquingKeysWith: +)
        return c
    }
}
