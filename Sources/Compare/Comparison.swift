import ELF
import RelocSites
import SiteModel

/// How the two site lists are put side by side.
public enum CompareMode: String, Sendable, Codable {
    /// Both strategies on one file (a real kernel): match by address.
    case sameObject = "same-object"
    /// An annotated build against a plain build of the same source: match
    /// by SiteKey, then by op and innermost position.
    case crossBuild = "cross-build"
}

/// The outcome of comparing annotated sites with scanned ones.
public struct Comparison: Sendable, Codable {
    public let mode: CompareMode
    public let policy: Policy
    public let outcomes: [Outcome]
    public let counts: Counts

    /// Both strategies on one file, sites matched by address: a scanned site
    /// matches the annotated site that starts at it or contains it (an asm
    /// site may save registers around its call, so the record covers more
    /// than the call). `evidence` explains misses (built from the dataflow
    /// scan of the same file; from the scan itself when nil).
    public static func sameObject(annotated: [Site], scan: RelocScan, evidence: Evidence? = nil) -> Comparison {
        let pool = evidence ?? Evidence(scan: scan)
        var bySection: [Int: [Site]] = [:]
        for s in scan.sites where !s.isMerged { bySection[s.sectionIndex, default: []].append(s) }
        for k in bySection.keys { bySection[k]!.sort(by: siteOrder) }
        var used = Set<Place>()
        var outcomes: [Outcome] = []
        for a in annotated.sorted(by: siteOrder) {
            let list = bySection[a.sectionIndex] ?? []
            let end = a.offset + UInt64(max(a.length, 1))
            // First scanned site at or after the start; it must lie inside.
            var lo = 0, hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid].offset < a.offset { lo = mid + 1 } else { hi = mid }
            }
            var hit: Site?
            var i = lo
            while i < list.count, list[i].offset < end {
                if !used.contains(list[i].place) { hit = list[i]; break }
                i += 1
            }
            if let r = hit {
                used.insert(r.place)
                outcomes.append(pair(a, r, pass: .chain, evidence: pool))
            } else {
                let (cause, why) = pool.causeAt(a)
                outcomes.append(Outcome(kind: .missed, annotated: a, found: nil, cause: cause, evidence: why))
            }
        }
        for r in scan.sites where r.isMerged {
            outcomes.append(Outcome(kind: .merged, annotated: nil, found: r))
        }
        for r in scan.sites where !r.isMerged && !used.contains(r.place) {
            outcomes.append(Outcome(kind: .spurious, annotated: nil, found: r, cause: pool.spuriousCause(r, policy: scan.policy),
                                    misplacement: pool.misplacement(of: r)))
        }
        return Comparison(mode: .sameObject, policy: scan.policy, outcomes: sorted(outcomes))
    }

    /// An annotated build against a plain one, matched by SiteKey as
    /// multisets, then what is left by op + innermost position, then by op
    /// + function chain without the innermost line.
    public static func crossBuild(annotated given: [Site], plain: RelocScan, evidence: Evidence? = nil) -> Comparison {
        let pool = evidence ?? Evidence(scan: plain)
        // Builds of one source from two places pair by the plain build's
        // paths (SourceRoots); the outcomes keep the annotated build's own.
        let roots = SourceRoots.find(annotated: given, plain: pool.scan.sites + plain.sites)
        let annotated = roots.map { r in given.map(r.rebase) } ?? given
        var outcomes: [Outcome] = []
        var leftA: [Site] = [], leftR: [Site] = []
        // A call that loads of several ops reach belongs to none of them.
        for r in plain.sites where r.isMerged {
            outcomes.append(Outcome(kind: .merged, annotated: nil, found: r))
        }
        // Pass 1: full chains. A site at line 0 (no source position: code
        // the compiler merged or made up) takes no part in the first two
        // passes: `fault.c:0` names no place, and would pair calls of an
        // op in two functions of one file. It pairs by function below.
        let placed = { (s: Site) in s.source.first?.line != 0 }
        matchByKey(annotated, plain.sites.filter { !$0.isMerged }, key: { placed($0) ? UnitKey($0, SiteKey(site: $0)) : nil },
                   other: nil, outcomes: &outcomes, pass: .chain, evidence: pool, leftA: &leftA, leftR: &leftR)
        // Pass 2: the builds inlined differently.
        var midA: [Site] = [], midR: [Site] = []
        matchByKey(leftA, leftR, key: { placed($0) ? UnitKey($0, SiteKey(site: $0).innermost) : nil }, other: nil,
                   outcomes: &outcomes, pass: .innermost, evidence: pool, leftA: &midA, leftR: &midR)
        // Pass 3: the line tables disagree on the innermost line (clang
        // gives the annotated build's asm the row before it, the plain
        // build's call the wrapper's line): the same op under the same
        // chain of functions and call sites, in address order.
        // Only real calls take part: a guess the scan made on a load or a
        // compare is no partner for a site on another line.
        let call = { (r: Site) in pool.misplacement(of: r) == nil }
        var lateA: [Site] = [], lateR: [Site] = []
        matchByKey(midA, midR, key: { FunctionChainKey($0) }, other: { call($0) ? FunctionChainKey($0) : nil },
                   outcomes: &outcomes, pass: .function, evidence: pool, leftA: &lateA, leftR: &lateR)
        // A site at line 0 (no source position: code the compiler merged or
        // made up) says only its function: it pairs with the same op in the
        // same function on the other side, in address order.
        var restA: [Site] = [], restR: [Site] = []
        matchByKey(lateA, lateR, key: { $0.source.first?.line == 0 ? FunctionChainKey(outermostOf: $0) : nil },
                   other: { call($0) ? FunctionChainKey(outermostOf: $0) : nil }, outcomes: &outcomes,
                   pass: .function, evidence: pool, leftA: &restA, leftR: &restR)
        var doneA: [Site] = [], doneR: [Site] = []
        matchByKey(restA, restR, key: { FunctionChainKey(outermostOf: $0) },
                   other: { $0.source.first?.line == 0 && call($0) ? FunctionChainKey(outermostOf: $0) : nil },
                   outcomes: &outcomes, pass: .function, evidence: pool, leftA: &doneA, leftR: &doneR)
        restA = doneA
        restR = doneR
        // Where the two builds made a different number of copies of a call
        // (inlining, unrolling, cloning), the surplus on either side is not
        // a scan failure. Counted per op and innermost line against the
        // evidence scan (every call the plain build really makes), so the
        // verdict does not depend on the policy under test.
        let ev = pool.scan
        var annotatedCount: [UnitKey: Int] = [:], plainCount: [UnitKey: Int] = [:]
        for a in annotated where !a.source.isEmpty { annotatedCount[UnitKey(a, SiteKey(site: a).innermost), default: 0] += 1 }
        for r in ev.sites where !r.source.isEmpty { plainCount[UnitKey(r, SiteKey(site: r).innermost), default: 0] += 1 }
        var surplusA: [UnitKey: Int] = [:], surplusR: [UnitKey: Int] = [:]
        for (k, n) in annotatedCount { surplusA[k] = max(0, n - (plainCount[k] ?? 0)) }
        for (k, n) in plainCount { surplusR[k] = max(0, n - (annotatedCount[k] ?? 0)) }
        // Which surplus copies are labelled goes by key, not by address, so
        // that an image labels the ones its objects label.
        // (SiteKey's order is its text's: made once per site, not per comparison.)
        let byKey = { (sites: [Site]) in
            sites.map { (text: SiteKey(site: $0).description, site: $0) }
                .sorted { ($0.text, $0.site.place) < ($1.text, $1.site.place) }.map(\.site)
        }
        // The same, per function: records of an op in one function beyond
        // the calls of it the plain build makes there, at whatever lines
        // (clang folds the two arms' identical calls of an `if` into one;
        // the asm statements, each with its own record, stay apart). Only
        // where the plain function calls the op at all and makes no
        // indirect call the scan left untied (a call through another
        // table at the record's line is no copy: hoisted_site.c).
        var functionSurplus: [FunctionOp: Int] = [:]
        var functionSite: [FunctionOp: Place] = [:]
        for a in annotated { if let k = FunctionOp(a) { functionSurplus[k, default: 0] += 1 } }
        for r in ev.sites where !r.isMerged && r.kind != .other {
            guard let k = FunctionOp(r) else { continue }
            functionSurplus[k, default: 0] -= 1
            functionSite[k] = functionSite[k] ?? r.place
        }
        let foldedCopy = { (a: Site) -> Bool in
            guard let k = FunctionOp(a), let n = functionSurplus[k], n > 0, let place = functionSite[k],
                  pool.makesUntiedCalls(at: place) == false else { return false }
            functionSurplus[k] = n - 1
            return true
        }
        for a in byKey(restA) {
            let k = UnitKey(a, SiteKey(site: a).innermost)
            if (plainCount[k] ?? 0) > 0, let n = surplusA[k], n > 0 {
                surplusA[k] = n - 1
                if let f = FunctionOp(a), let m = functionSurplus[f], m > 0 { functionSurplus[f] = m - 1 }
                outcomes.append(Outcome(kind: .missed, annotated: a, found: nil, cause: .copiesDiffer))
                continue
            }
            if foldedCopy(a) {
                outcomes.append(Outcome(kind: .missed, annotated: a, found: nil, cause: .copiesDiffer,
                                        evidence: "the plain build calls the op fewer times in \(a.source.last?.function ?? "?"): "
                                            + "the compiler merged the calls"))
                continue
            }
            let (cause, why) = pool.causeFor(site: a)
            outcomes.append(Outcome(kind: .missed, annotated: a, found: nil, cause: cause, evidence: why))
        }
        for r in byKey(restR) {
            let k = UnitKey(r, SiteKey(site: r).innermost)
            if (annotatedCount[k] ?? 0) > 0, let n = surplusR[k], n > 0 {
                surplusR[k] = n - 1
                outcomes.append(Outcome(kind: .spurious, annotated: nil, found: r, cause: .copiesDiffer,
                                        misplacement: pool.misplacement(of: r)))
                continue
            }
            outcomes.append(Outcome(kind: .spurious, annotated: nil, found: r, cause: pool.spuriousCause(r, policy: plain.policy),
                                    misplacement: pool.misplacement(of: r)))
        }
        if roots != nil {
            var original: [Site: Site] = [:]
            for (a, moved) in zip(given, annotated) where original[moved] == nil { original[moved] = a }
            outcomes = outcomes.map { o in
                guard let a = o.annotated, let own = original[a] else { return o }
                return Outcome(kind: o.kind, annotated: own, found: o.found, cause: o.cause, inliningDiffers: o.inliningDiffers,
                               linesDiffer: o.linesDiffer, evidence: o.evidence, misplacement: o.misplacement)
            }
        }
        return Comparison(mode: .crossBuild, policy: plain.policy, outcomes: sorted(outcomes))
    }

    init(mode: CompareMode, policy: Policy, outcomes: [Outcome]) {
        self.mode = mode
        self.policy = policy
        self.outcomes = outcomes
        counts = Counts(outcomes)
    }

    /// Which matching pass paired two sites.
    enum Pass {
        /// The full chain of (file, line).
        case chain
        /// Op and innermost position: the builds inlined differently.
        case innermost
        /// Op, functions and call sites, in order: the line tables differ.
        case function
    }

    /// Pairs sites of equal key in address order; a site without source
    /// positions, or without a key, pairs with nothing.
    /// `other` keys the plain side when it differs from `key`.
    private static func matchByKey<K: Hashable>(_ a: [Site], _ r: [Site], key: (Site) -> K?, other: ((Site) -> K?)?,
                                                outcomes: inout [Outcome], pass: Pass, evidence: Evidence,
                                                leftA: inout [Site], leftR: inout [Site]) {
        var pending: [K: [Site]] = [:]
        var unkeyed: [Site] = []
        for s in r.sorted(by: siteOrder) {
            if !s.source.isEmpty, let k = other.map({ $0(s) }) ?? key(s) { pending[k, default: []].append(s) } else { unkeyed.append(s) }
        }
        for s in a.sorted(by: siteOrder) {
            if !s.source.isEmpty, let k = key(s), var list = pending[k], !list.isEmpty {
                let found = list.removeFirst()
                pending[k] = list
                outcomes.append(pair(s, found, pass: pass, evidence: evidence))
            } else {
                leftA.append(s)
            }
        }
        leftR += (pending.values.flatMap { $0 } + unkeyed).sorted(by: siteOrder)
    }

    /// The verdict on a matched pair. A guess that cannot be patched first,
    /// then kind before size before clobbers.
    static func pair(_ a: Site, _ r: Site, pass: Pass, evidence: Evidence) -> Outcome {
        let kind: OutcomeKind
        let inlining = pass == .innermost, lines = pass == .function
        if let m = evidence.misplacement(of: r) {
            return Outcome(kind: .misplaced, annotated: a, found: r, inliningDiffers: inlining, linesDiffer: lines,
                           misplacement: m)
        } else if a.kind.isTailCall != r.kind.isTailCall {
            kind = .kindMismatched
        } else if a.length != r.length {
            kind = .sizeMismatched
        } else if isClobberUnsafe(a) {
            kind = .clobberUnsafe
        } else {
            kind = .matched
        }
        return Outcome(kind: kind, annotated: a, found: r, inliningDiffers: inlining, linesDiffer: lines)
    }

    /// The annotation declares fewer clobbers than the C ABI, in hand-written asm.
    public static func isClobberUnsafe(_ a: Site) -> Bool {
        guard let c = a.clobbers, !c.isSuperset(of: .cABI) else { return false }
        return isHandWrittenAsm(a)
    }

    public static func isHandWrittenAsm(_ s: Site) -> Bool {
        guard let file = s.source.first?.file else { return false }
        return file.hasSuffix(".S") || file.hasSuffix(".s")
    }

    static func siteOrder(_ x: Site, _ y: Site) -> Bool {
        x.place < y.place
    }

    private static func sorted(_ o: [Outcome]) -> [Outcome] {
        o.sorted { x, y in
            let a = x.site, b = y.site
            return (a.section, a.offset, x.kind) < (b.section, b.offset, y.kind)
        }
    }
}

/// An op in one function (the outermost frame's) of one compilation unit.
struct FunctionOp: Hashable {
    let unit: String?
    let function: String
    let op: Int64

    init?(_ site: Site) {
        guard let f = site.source.last?.function, f != "??" else { return nil }
        unit = site.unit
        function = f
        op = site.op.offset
    }
}

/// A site key within one compilation unit. An object is one unit, a linked
/// image many: keying by unit too keeps an image's sites from matching, or
/// counting as copies of, sites of another source file that reach the same
/// header line, so that an image gives the verdicts its objects give.
struct UnitKey: Hashable {
    let unit: String?
    let key: SiteKey

    init(_ site: Site, _ key: SiteKey) {
        self.init(unit: site.unit, key: key)
    }

    init(unit: String?, key: SiteKey) {
        self.unit = unit
        self.key = key
    }
}

/// The op and the function chain of a site within its compilation unit:
/// every frame's function, and every call site (frames 1 and on, which
/// DWARF gives by the inlined subroutine's DW_AT_call_file/line, not by
/// the line table), but not the innermost line. The third pass's key, for
/// sites whose innermost line the two builds' line tables give
/// differently (clang gives an asm statement no row of its own: it takes
/// the row before it, often the function's first line).
struct FunctionChainKey: Hashable {
    let unit: String?
    let op: Int64
    let functions: [String]
    let callSites: [SiteKey.Position]

    /// Nil when DWARF names no function at the site, and for a site not
    /// inlined (one frame): its function is all there is to compare, which
    /// would pair any two calls of an op in a function.
    init?(_ site: Site) {
        guard site.source.count >= 2, let f = site.source.last?.function, f != "??" else { return nil }
        unit = site.unit
        op = site.op.offset
        functions = site.source.map(\.function)
        callSites = site.source.dropFirst().map { SiteKey.Position(file: $0.file, line: $0.line) }
    }

    /// The outermost function alone (for a site at line 0, which has no
    /// inline chain to compare).
    init?(outermostOf site: Site) {
        guard let f = site.source.last?.function, f != "??" else { return nil }
        unit = site.unit
        op = site.op.offset
        functions = [f]
        callSites = []
    }
}
