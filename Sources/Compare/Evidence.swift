import ELF
import RelocSites
import SiteModel

/// What the scanned build says about a place: its references to the table
/// and the sites dataflow found from them, indexed by site key and by place.
/// Causes are decided here, from these typed facts (the reference's use,
/// whether it went through the GOT, the kind of call it reached), never
/// from text. Built once per file or pair, and shared by every policy's
/// comparison.
public struct Evidence: Sendable {
    /// The scan the facts come from (the dataflow scan of the plain build).
    public let scan: RelocScan
    private var refsByKey: [UnitKey: [Reference]] = [:]
    private var sitesByKey: [UnitKey: [Site]] = [:]
    private var refsByPlace: [Place: Reference] = [:]
    /// References by compilation unit and outermost function (the last
    /// frame of their chain): what a function of the plain build does with
    /// the table at all.
    private var refsByFunction: [FunctionKey: [Reference]] = [:]
    /// References by compilation unit and op.
    private var refsByUnitOp: [UnitOp: [Reference]] = [:]
    /// Merged calls by compilation unit and function.
    private var mergedByFunction: [FunctionKey: [Site]] = [:]
    /// Each reference that reaches a merged call → that call.
    private var mergedByOrigin: [Place: Site] = [:]
    /// Each reference that reaches one call → that call.
    private var siteByOrigin: [Place: Site] = [:]
    /// How many indirect calls (through a register, memory or a retpoline
    /// thunk) the function holding a place makes that are no site of the
    /// scan: calls through something other than the table. Nil when the
    /// code is not at hand.
    private let untiedCalls: (@Sendable (Place) -> Int)?
    /// The functions the scanned build has out of line (base names, clone
    /// suffixes such as `.isra.0` cut); nil when unknown (same object).
    private let functions: Set<String>?

    /// `functions`: the names of the scanned build's functions (its symbol
    /// table), so that a miss in a function that build inlined away is
    /// told apart from a scan failure (cross-build only).
    /// `untiedCalls`: see the property (cross-build only).
    public init(scan: RelocScan, functions: Set<String>? = nil, untiedCalls: (@Sendable (Place) -> Int)? = nil) {
        self.scan = scan
        self.untiedCalls = untiedCalls
        self.functions = functions.map { Set($0.map(Self.baseName)) }
        for r in scan.references {
            refsByPlace[r.place] = r
            if let op = r.op { refsByUnitOp[UnitOp(unit: r.unit, op: op.offset), default: []].append(r) }
            if let f = r.source.last?.function { refsByFunction[FunctionKey(unit: r.unit, function: f), default: []].append(r) }
            let key = SiteKey(op: r.op?.offset ?? -1, chain: r.source.map { SiteKey.Position(file: $0.file, line: $0.line) })
            for k in [key, key.innermost] { refsByKey[UnitKey(unit: r.unit, key: k), default: []].append(r) }
            // GOT loads and table addresses carry no op: index them under
            // the position alone as well.
            if r.op == nil || r.use == .address {
                for k in [key.positionOnly, key.innermost.positionOnly] {
                    refsByKey[UnitKey(unit: r.unit, key: k), default: []].append(r)
                }
            }
        }
        for s in scan.sites {
            if !s.isMerged, let o = s.origin { siteByOrigin[o] = s }
            for o in s.mergedOrigins { mergedByOrigin[o] = s }
            if s.isMerged, let f = s.source.last?.function {
                mergedByFunction[FunctionKey(unit: s.unit, function: f), default: []].append(s)
            }
            let k = SiteKey(site: s)
            sitesByKey[UnitKey(s, k), default: []].append(s)
            sitesByKey[UnitKey(s, k.innermost), default: []].append(s)
        }
    }

    /// Whether the function holding `place` makes an indirect call that
    /// no site of the scan is (a call through another table or any
    /// pointer); nil when the code is not at hand.
    func makesUntiedCalls(at place: Place) -> Bool? {
        untiedCalls.map { $0(place) > 0 }
    }

    /// Why an annotated site found no partner in the other build: what the
    /// other build has at its key, in its compilation unit.
    func causeFor(site a: Site) -> (Cause, String?) {
        let key = SiteKey(site: a)
        let at = { (k: SiteKey) in UnitKey(a, k) }
        // The op's load reaches a call that loads of other ops reach too.
        for k in [key, key.innermost] {
            if let r = refsByKey[at(k)]?.first(where: { mergedByOrigin[$0.place] != nil }), let m = mergedByOrigin[r.place] {
                return (.merged, "\(m.kind.rawValue) at \(m.location) reached by "
                    + m.mergedOps.map(\.description).joined(separator: ", "))
            }
        }
        // One table address (a GOT load) reaching several fields' loads
        // that meet at one call: the call is merged, in the same function.
        if let f = a.source.last?.function,
           let m = mergedByFunction[FunctionKey(unit: a.unit, function: f)]?.first(where: { $0.mergedOps.contains { $0.offset == a.op.offset } }) {
            return (.merged, "\(m.kind.rawValue) at \(m.location) reached by " + m.mergedOps.map(\.description).joined(separator: ", "))
        }
        for k in [key, key.innermost] {
            if let s = sitesByKey[at(k)]?.first(where: { $0.kind != .call && $0.kind != .jmp }) {
                return (cause(of: s, key: at(k)), "\(s.kind.rawValue) at \(s.location): \(s.evidence)")
            }
        }
        for k in [key, key.innermost, key.positionOnly, key.innermost.positionOnly] {
            if let r = refsByKey[at(k)]?.first {
                return (cause(of: r), "\(r.use.rawValue) at \(r.location): \(r.instruction)")
            }
        }
        // Nothing at the call's own lines, and the site is in an out-of-line
        // function the plain build has no copy of (gcc sizes the annotated
        // asm by its lines and keeps the wrapper out of line; the plain
        // build inlined it into its callers), while that build calls the
        // op elsewhere in the unit: a copy it did not make, not a call the
        // scan failed to find. (When the plain build's copies are at the
        // same lines, the evidence there explains the miss, above.)
        if let functions, let f = a.source.last?.function, f != "??", !functions.contains(Self.baseName(f)),
           let r = refsByUnitOp[UnitOp(unit: a.unit, op: a.op.offset)]?.first {
            return (.copiesDiffer, "no out-of-line \(f) in the plain build (inlined into its callers); "
                + "the op's \(r.use.rawValue) at \(r.location)")
        }
        // Nothing at the call's own lines: what the function does with the
        // table elsewhere (a GOT load hoisted to the entry and reaching the
        // call through a jump table, a pointer kept in a register). Only a
        // function that never refers to the table is `no-reference`.
        if let f = a.source.last?.function, let refs = refsByFunction[FunctionKey(unit: a.unit, function: f)] {
            // The op's own load, where it reaches a call, says how it is
            // called (a retpoline thunk, a register).
            if let r = refs.first(where: { $0.op?.offset == a.op.offset && siteByOrigin[$0.place] != nil }),
               let s = siteByOrigin[r.place], s.kind != .call, s.kind != .jmp {
                return (cause(of: s, key: UnitKey(a, SiteKey(site: a))),
                        "\(s.kind.rawValue) at \(s.location), elsewhere in the function: \(s.evidence)")
            }
            if let r = refs.min(by: { preference($0) < preference($1) }) {
                return (cause(of: r), "\(r.use.rawValue) at \(r.location), elsewhere in the function: \(r.instruction)")
            }
        }
        return (.noReference, nil)
    }

    /// Which of a function's references explains a miss best: GOT loads
    /// and loads before table addresses before the rest.
    private func preference(_ r: Reference) -> Int {
        if r.viaGOT { return 0 }
        switch r.use {
        case .load: return 1
        case .address: return 2
        case .undecodable: return 3
        case .compare, .store, .other: return 4
        case .callMem, .jmpMem, .callDirect, .jmpDirect: return 5
        }
    }

    /// Why an annotated site at this address found no partner (same object).
    func causeAt(_ a: Site) -> (Cause, String?) {
        let end = a.offset + UInt64(max(a.length, 1))
        if let r = scan.references.first(where: { $0.sectionIndex == a.sectionIndex && $0.relocationOffset >= a.offset && $0.relocationOffset < end }) {
            return (cause(of: r), "\(r.use.rawValue) at \(r.location): \(r.instruction)")
        }
        if let s = scan.sites.first(where: { $0.sectionIndex == a.sectionIndex && $0.offset >= a.offset && $0.offset < end }) {
            return (cause(of: s, key: UnitKey(s, SiteKey(site: s))), "\(s.kind.rawValue) at \(s.location)")
        }
        return (.noReference, nil)
    }

    /// A call the plain build made in a shape the policy did not take.
    private func cause(of s: Site, key: UnitKey) -> Cause {
        switch s.kind {
        case .thunkCall, .thunkJmp: return .retpolineThunk
        case .callReg, .jmpReg: return .register
        case .callBase, .jmpBase:
            // The table's address came from the reference the site was found from.
            if let origin = s.origin, let r = refsByPlace[origin] { return r.viaGOT ? .gotLoad : .baseRegister }
            let got = (refsByKey[UnitKey(unit: key.unit, key: key.key.positionOnly)]
                ?? refsByKey[UnitKey(unit: key.unit, key: key.key.innermost.positionOnly)] ?? []).contains { $0.viaGOT }
            return got ? .gotLoad : .baseRegister
        default: return .noReference
        }
    }

    private func cause(of r: Reference) -> Cause {
        if r.viaGOT { return .gotLoad }
        switch r.use {
        case .load: return .register
        case .address: return .baseRegister
        case .undecodable: return .undecodable
        case .compare, .store, .other: return .nonCallReference
        case .callMem, .jmpMem, .callDirect, .jmpDirect: return .noReference
        }
    }

    /// What is wrong with a scanned call or jmp through memory (or direct
    /// to a trampoline), if anything: it must start where the instruction
    /// holding its relocation starts, and that instruction must be a call
    /// or jmp of the same family and of the site's length. Sites found
    /// through a register are checked by their own decode, not here.
    public func misplacement(of s: Site) -> Misplacement? {
        let direct = s.kind == .callDirect || s.kind == .jmpDirect
        guard s.kind == .call || s.kind == .jmp || direct, let origin = s.origin, let r = refsByPlace[origin] else { return nil }
        // Data in code: no instruction holds the relocation; the sweep
        // says whether the guess starts one.
        if r.use == .undecodable { return r.guessStartsInstruction == true ? .nonCallInstruction : .midInstruction }
        if s.offset != r.offset { return .midInstruction }
        let branch = direct ? (r.use == .callDirect || r.use == .jmpDirect) : (r.use == .callMem || r.use == .jmpMem)
        if branch && r.length == s.length { return nil }
        return .nonCallInstruction
    }

    /// Spurious: a real call without annotation, or a non-call taken as a site.
    func spuriousCause(_ s: Site, policy: Policy) -> Cause {
        if policy.guesses {
            let r = s.origin.flatMap { refsByPlace[$0] }
            return r.map { $0.use.isBranch } == true ? .unannotatedCall : .nonCall
        }
        return s.kind == .other ? .nonCall : .unannotatedCall
    }
}

extension Evidence {
    /// A function's name without the suffix a compiler gives its clones
    /// (`__pgd.isra.0`, `f.constprop.0`, `f.part.0`, `f.cold`, `f.llvm.123`).
    static func baseName(_ name: String) -> String {
        name.firstIndex(of: ".").map { String(name[..<$0]) } ?? name
    }
}

/// An op within one compilation unit.
struct UnitOp: Hashable {
    let unit: String?
    let op: Int64
}

/// A function of one compilation unit.
struct FunctionKey: Hashable {
    let unit: String?
    let function: String
}
