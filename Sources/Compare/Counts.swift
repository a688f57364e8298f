/// The numbers of a comparison, under the names the JSON reports use.
public struct Counts: Sendable, Codable, Equatable {
    public var annotated = 0
    /// Annotated sites found in a shape that is really there (matched,
    /// size-, kind-mismatched or clobber-unsafe). found + misplaced +
    /// missed = annotated.
    public var found = 0
    /// Of the found sites, those whose plain (or direct) build's site a
    /// record can be made for that Linux 6.1's patcher rewrites in place
    /// (Records' RecordMaker decides; the study fills it in). Nil where
    /// not measured: a comparison alone, a study written before it.
    public var patchable: Int?
    /// Sites the scan reported, whatever became of them.
    public var scanned = 0
    /// Annotated sites whose only partner is a guess that cannot be patched.
    public var misplaced = 0
    /// Scanned sites (matched or spurious) that are guesses which cannot be
    /// patched: starting inside an instruction, or on one that is not a
    /// call or jmp through memory of the guessed length.
    public var misplacedMidInstruction = 0
    public var misplacedNonCall = 0
    /// Scanned calls that loads of several ops reach (not spurious: they
    /// are real sites, of no one op).
    public var merged = 0
    public var matched = 0
    public var missed = 0
    public var spurious = 0
    public var sizeMismatched = 0
    public var kindMismatched = 0
    public var clobberUnsafe = 0
    /// Pairs matched only by op + innermost position (the builds inlined
    /// differently); included in the counts above.
    public var inliningMatched = 0
    /// Pairs matched only by op, function chain and order (the builds'
    /// line tables give different innermost lines); included above.
    public var linesMatched = 0
    public var spuriousUnannotatedCall = 0
    public var spuriousNonCall = 0
    /// Missed and spurious sites that are only a different number of copies
    /// of a call found elsewhere (cause `copies-differ`); included above.
    public var missedCopiesDiffer = 0
    public var spuriousCopiesDiffer = 0
    /// Cause → count, over missed and spurious.
    public var causes: [Cause: Int] = [:]
    /// The same counts for the C sites and for the hand-written asm sites
    /// (`by_source`), which add up to these; nil where not split (a
    /// comparison alone, a result written before the split).
    public var bySource: [SourceLanguage: Counts]?

    enum CodingKeys: String, CodingKey {
        case annotated, found, patchable, scanned, misplaced, merged, matched, missed, spurious, causes
        case misplacedMidInstruction = "misplaced_mid_instruction"
        case misplacedNonCall = "misplaced_non_call"
        case sizeMismatched = "size_mismatched"
        case kindMismatched = "kind_mismatched"
        case clobberUnsafe = "clobber_unsafe"
        case inliningMatched = "inlining_matched"
        case linesMatched = "lines_matched"
        case spuriousUnannotatedCall = "spurious_unannotated_call"
        case spuriousNonCall = "spurious_non_call"
        case missedCopiesDiffer = "missed_copies_differ"
        case spuriousCopiesDiffer = "spurious_copies_differ"
        case bySource = "by_source"
    }

    public init() {}

    /// Misses that are not just a different number of copies.
    public var realMissed: Int { missed - missedCopiesDiffer }
    public var realSpurious: Int { spurious - spuriousCopiesDiffer }

    init(_ outcomes: [Outcome]) {
        for o in outcomes {
            if o.annotated != nil { annotated += 1 }
            if o.found != nil { scanned += 1 }
            if o.kind.isFound { found += 1 }
            switch o.misplacement {
            case .midInstruction?: misplacedMidInstruction += 1
            case .nonCallInstruction?: misplacedNonCall += 1
            case nil: break
            }
            switch o.kind {
            case .matched: matched += 1
            case .sizeMismatched: sizeMismatched += 1
            case .kindMismatched: kindMismatched += 1
            case .clobberUnsafe: clobberUnsafe += 1
            case .misplaced: misplaced += 1
            case .merged: merged += 1
            case .missed:
                missed += 1
                if o.cause == .copiesDiffer { missedCopiesDiffer += 1 }
            case .spurious:
                spurious += 1
                if o.cause == .unannotatedCall { spuriousUnannotatedCall += 1 }
                if o.cause == .nonCall { spuriousNonCall += 1 }
                if o.cause == .copiesDiffer { spuriousCopiesDiffer += 1 }
            }
            if o.inliningDiffers { inliningMatched += 1 }
            if o.linesDiffer { linesMatched += 1 }
            if let c = o.cause { causes[c, default: 0] += 1 }
        }
    }

    /// Sum two sets of counts (configs into totals).
    public static func + (a: Counts, b: Counts) -> Counts {
        var c = a
        c.annotated += b.annotated
        c.found += b.found
        // Unmeasured only when neither side was measured.
        c.patchable = a.patchable == nil && b.patchable == nil ? nil : (a.patchable ?? 0) + (b.patchable ?? 0)
        c.scanned += b.scanned
        c.misplaced += b.misplaced
        c.merged += b.merged
        c.misplacedMidInstruction += b.misplacedMidInstruction
        c.misplacedNonCall += b.misplacedNonCall
        c.matched += b.matched
        c.missed += b.missed
        c.spurious += b.spurious
        c.sizeMismatched += b.sizeMismatched
        c.kindMismatched += b.kindMismatched
        c.clobberUnsafe += b.clobberUnsafe
        c.inliningMatched += b.inliningMatched
        c.linesMatched += b.linesMatched
        c.spuriousUnannotatedCall += b.spuriousUnannotatedCall
        c.spuriousNonCall += b.spuriousNonCall
        c.missedCopiesDiffer += b.missedCopiesDiffer
        c.spuriousCopiesDiffer += b.spuriousCopiesDiffer
        c.causes.merge(b.causes, uniquingKeysWith: +)
        // Split only when every side that counted anything was split
        // (a sum from nothing starts at `Counts()`).
        let empty = Counts()
        switch (a.bySource, b.bySource) {
        case let (x?, y?):
            c.bySource = x.merging(y, uniquingKeysWith: +)
        case (let x?, nil) where b == empty:
            c.bySource = x
        case (nil, let y?) where a == empty:
            c.bySource = y
        default:
            c.bySource = nil
        }
        return c
    }
}

extension Counts {
    /// Counts written before `lines_matched` existed (recorded results)
    /// read it as 0.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func n(_ k: CodingKeys) throws -> Int { try c.decode(Int.self, forKey: k) }
        annotated = try n(.annotated)
        found = try n(.found)
        scanned = try n(.scanned)
        misplaced = try n(.misplaced)
        misplacedMidInstruction = try n(.misplacedMidInstruction)
        misplacedNonCall = try n(.misplacedNonCall)
        merged = try n(.merged)
        matched = try n(.matched)
        missed = try n(.missed)
        spurious = try n(.spurious)
        sizeMismatched = try n(.sizeMismatched)
        kindMismatched = try n(.kindMismatched)
        clobberUnsafe = try n(.clobberUnsafe)
        inliningMatched = try n(.inliningMatched)
        linesMatched = try c.decodeIfPresent(Int.self, forKey: .linesMatched) ?? 0
        // Absent in results written before patchable was counted.
        patchable = try c.decodeIfPresent(Int.self, forKey: .patchable)
        spuriousUnannotatedCall = try n(.spuriousUnannotatedCall)
        spuriousNonCall = try n(.spuriousNonCall)
        missedCopiesDiffer = try n(.missedCopiesDiffer)
        spuriousCopiesDiffer = try n(.spuriousCopiesDiffer)
        causes = try c.decode([Cause: Int].self, forKey: .causes)
        // Absent in results written before C and asm were told apart.
        bySource = try c.decodeIfPresent([SourceLanguage: Counts].self, forKey: .bySource)
    }
}
