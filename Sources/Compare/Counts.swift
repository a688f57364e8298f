/// The numbers of a comparison, under the names the JSON reports use.
///
/// One count per outcome kind (`matched`, `size_mismatched`, ...: the
/// kind's name with `_`), the `Tally` counts beside them, and `found`,
/// which is the outcomes that `OutcomeKind.isFound` says find a site: a new
/// outcome kind is counted, summed, written and read without a change here.
public struct Counts: Sendable, Codable, Equatable {
    /// Counts other than per outcome kind, under their JSON names.
    public enum Tally: String, Sendable, CaseIterable {
        case annotated
        /// Sites the scan reported, whatever became of them.
        case scanned
        /// Scanned sites (matched or spurious) that are guesses which cannot
        /// be patched: starting inside an instruction, or on one that is not
        /// a call or jmp through memory of the guessed length.
        case misplacedMidInstruction = "misplaced_mid_instruction"
        case misplacedNonCall = "misplaced_non_call"
        /// Pairs matched only by op + innermost position (the builds inlined
        /// differently); included in the outcome counts.
        case inliningMatched = "inlining_matched"
        /// Pairs matched only by op, function chain and order (the builds'
        /// line tables give different innermost lines); included above.
        case linesMatched = "lines_matched"
        case spuriousUnannotatedCall = "spurious_unannotated_call"
        case spuriousNonCall = "spurious_non_call"
        /// Missed and spurious sites that are only a different number of
        /// copies of a call found elsewhere (cause `copies-differ`);
        /// included in missed and spurious.
        case missedCopiesDiffer = "missed_copies_differ"
        case spuriousCopiesDiffer = "spurious_copies_differ"
    }

    /// Non-zero counts only, so that equal counts compare equal.
    private var byKind: [OutcomeKind: Int] = [:]
    private var tallies: [Tally: Int] = [:]
    /// Of the found sites, those whose plain (or direct) build's site a
    /// record can be made for that Linux 6.1's patcher rewrites in place
    /// (Records' RecordMaker decides; the study fills it in). Nil where
    /// not measured: a comparison alone, a study written before it.
    public var patchable: Int?
    /// Cause → count, over missed and spurious.
    public var causes: [Cause: Int] = [:]
    /// The same counts for the C sites and for the hand-written asm sites
    /// (`by_source`), which add up to these; nil where not split (a
    /// comparison alone, a result written before the split).
    public var bySource: [SourceLanguage: Counts]?

    public init() {}

    public subscript(kind: OutcomeKind) -> Int {
        get { byKind[kind] ?? 0 }
        set { byKind[kind] = newValue == 0 ? nil : newValue }
    }

    public subscript(tally: Tally) -> Int {
        get { tallies[tally] ?? 0 }
        set { tallies[tally] = newValue == 0 ? nil : newValue }
    }

    /// Annotated sites found in a shape that is really there: the outcome
    /// kinds that are `isFound`. found + misplaced + missed = annotated.
    public var found: Int { OutcomeKind.allCases.filter(\.isFound).reduce(0) { $0 + self[$1] } }

    // The counts by name, for the code that reads them.
    public var matched: Int { get { self[.matched] } set { self[.matched] = newValue } }
    public var sizeMismatched: Int { get { self[.sizeMismatched] } set { self[.sizeMismatched] = newValue } }
    public var kindMismatched: Int { get { self[.kindMismatched] } set { self[.kindMismatched] = newValue } }
    public var clobberUnsafe: Int { get { self[.clobberUnsafe] } set { self[.clobberUnsafe] = newValue } }
    /// Annotated sites whose only partner is a guess that cannot be patched.
    public var misplaced: Int { get { self[.misplaced] } set { self[.misplaced] = newValue } }
    public var missed: Int { get { self[.missed] } set { self[.missed] = newValue } }
    public var spurious: Int { get { self[.spurious] } set { self[.spurious] = newValue } }
    /// Scanned calls that loads of several ops reach (not spurious: they
    /// are real sites, of no one op).
    public var merged: Int { get { self[.merged] } set { self[.merged] = newValue } }
    public var annotated: Int { get { self[.annotated] } set { self[.annotated] = newValue } }
    public var scanned: Int { get { self[.scanned] } set { self[.scanned] = newValue } }
    public var misplacedMidInstruction: Int {
        get { self[.misplacedMidInstruction] } set { self[.misplacedMidInstruction] = newValue }
    }
    public var misplacedNonCall: Int { get { self[.misplacedNonCall] } set { self[.misplacedNonCall] = newValue } }
    public var inliningMatched: Int { get { self[.inliningMatched] } set { self[.inliningMatched] = newValue } }
    public var linesMatched: Int { get { self[.linesMatched] } set { self[.linesMatched] = newValue } }
    public var spuriousUnannotatedCall: Int {
        get { self[.spuriousUnannotatedCall] } set { self[.spuriousUnannotatedCall] = newValue }
    }
    public var spuriousNonCall: Int { get { self[.spuriousNonCall] } set { self[.spuriousNonCall] = newValue } }
    public var missedCopiesDiffer: Int { get { self[.missedCopiesDiffer] } set { self[.missedCopiesDiffer] = newValue } }
    public var spuriousCopiesDiffer: Int {
        get { self[.spuriousCopiesDiffer] } set { self[.spuriousCopiesDiffer] = newValue }
    }

    /// Misses that are not just a different number of copies.
    public var realMissed: Int { missed - missedCopiesDiffer }
    public var realSpurious: Int { spurious - spuriousCopiesDiffer }

    init(_ outcomes: [Outcome]) {
        for o in outcomes {
            if o.annotated != nil { annotated += 1 }
            if o.found != nil { scanned += 1 }
            self[o.kind] += 1
            switch o.misplacement {
            case .midInstruction?: misplacedMidInstruction += 1
            case .nonCallInstruction?: misplacedNonCall += 1
            case nil: break
            }
            if o.kind == .missed, o.cause == .copiesDiffer { missedCopiesDiffer += 1 }
            if o.kind == .spurious {
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
        c.byKind.merge(b.byKind, uniquingKeysWith: +)
        c.tallies.merge(b.tallies, uniquingKeysWith: +)
        // Unmeasured only when neither side was measured.
        c.patchable = a.patchable == nil && b.patchable == nil ? nil : (a.patchable ?? 0) + (b.patchable ?? 0)
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

extension OutcomeKind {
    /// The name of the kind's count in JSON (`size_mismatched`).
    public var countName: String { String(rawValue.map { $0 == "-" ? "_" : $0 }) }
}

extension Counts {
    /// Every count by its JSON name, `found` and `patchable` (when
    /// measured) included; causes and `by_source` apart.
    public var named: [String: Int] {
        var out: [String: Int] = ["found": found]
        for k in OutcomeKind.allCases { out[k.countName] = self[k] }
        for t in Tally.allCases { out[t.rawValue] = self[t] }
        if let patchable { out["patchable"] = patchable }
        return out
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        for (name, n) in named { try c.encode(n, forKey: Key(name)) }
        try c.encode(causes, forKey: Key("causes"))
        try c.encodeIfPresent(bySource, forKey: Key("by_source"))
    }

    /// Every count is required but those added after results were recorded:
    /// `lines_matched` (read as 0), `patchable` and `by_source` (nil), and
    /// an outcome kind's (0: a result written before the kind existed had
    /// none). `found` is not read: it is the found kinds' sum.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        for k in OutcomeKind.allCases { self[k] = try c.decodeIfPresent(Int.self, forKey: Key(k.countName)) ?? 0 }
        for t in Tally.allCases where t != .linesMatched { self[t] = try c.decode(Int.self, forKey: Key(t.rawValue)) }
        linesMatched = try c.decodeIfPresent(Int.self, forKey: Key(Tally.linesMatched.rawValue)) ?? 0
        patchable = try c.decodeIfPresent(Int.self, forKey: Key("patchable"))
        causes = try c.decode([Cause: Int].self, forKey: Key("causes"))
        bySource = try c.decodeIfPresent([SourceLanguage: Counts].self, forKey: Key("by_source"))
    }
}
