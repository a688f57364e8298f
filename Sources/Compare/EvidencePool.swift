import RelocSites
import SiteModel

/// What the scanned build says about a place: the references to the table
/// and the sites dataflow found, indexed by source key and by address, to
/// explain why an annotated site was missed.
struct EvidencePool {
    private var refsByKey: [SourceKey: [Reference]] = [:]
    private var sitesByKey: [SourceKey: [Site]] = [:]
    private var refs: [Reference] = []
    private var sites: [Site] = []

    init(scan: RelocScan) {
        refs = scan.references
        sites = scan.sites
        for r in scan.references {
            let op = r.op?.offset ?? -1
            let chain = r.source.map { SourceKey.Position(file: $0.file, line: $0.line) }
            for k in [SourceKey(op: op, chain: chain), SourceKey(op: op, chain: Array(chain.prefix(1)))] {
                refsByKey[k, default: []].append(r)
            }
            // GOT loads and table addresses carry no op: index them under
            // the position alone as well.
            if r.op == nil || r.use == .address {
                for k in [SourceKey.position(chain), SourceKey.position(Array(chain.prefix(1)))] {
                    refsByKey[k, default: []].append(r)
                }
            }
        }
        for s in scan.sites {
            let k = SourceKey(site: s)
            sitesByKey[k, default: []].append(s)
            sitesByKey[k.innermost, default: []].append(s)
        }
    }

    /// Why an annotated site with this key found no partner.
    func causeFor(key: SourceKey) -> (Cause, String?) {
        for k in [key, key.innermost] {
            if let s = sitesByKey[k]?.first(where: { $0.kind != .call && $0.kind != .jmp }) {
                return (cause(of: s, key: k), "\(s.kind.rawValue) at \(s.location): \(s.evidence)")
            }
        }
        for k in [key, key.innermost, SourceKey.position(key.chain), SourceKey.position(Array(key.chain.prefix(1)))] {
            if let refs = refsByKey[k], let r = refs.first {
                return (cause(of: r), "\(r.use.rawValue) at \(r.location): \(r.instruction)")
            }
        }
        return (.noReference, nil)
    }

    /// Why an annotated site at this address found no partner (same object).
    func causeAt(_ a: Site) -> (Cause, String?) {
        let end = a.offset + UInt64(max(a.length, 1))
        if let r = refs.first(where: { $0.sectionIndex == a.sectionIndex && $0.relocationOffset >= a.offset && $0.relocationOffset < end }) {
            return (cause(of: r), "\(r.use.rawValue) at \(r.location): \(r.instruction)")
        }
        if let s = sites.first(where: { $0.sectionIndex == a.sectionIndex && $0.offset >= a.offset && $0.offset < end }) {
            return (cause(of: s, key: SourceKey(site: s)), "\(s.kind.rawValue) at \(s.location)")
        }
        return (.noReference, nil)
    }

    private func cause(of s: Site, key: SourceKey) -> Cause {
        switch s.kind {
        case .thunkCall, .thunkJmp: return .retpolineThunk
        case .callReg, .jmpReg: return .register
        case .callBase, .jmpBase:
            let got = (refsByKey[SourceKey.position(key.chain)] ?? refsByKey[SourceKey.position(Array(key.chain.prefix(1)))] ?? [])
                .contains { $0.viaGOT }
            return got || s.evidence.contains("GOT") ? .gotLoad : .baseRegister
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
        case .callMem, .jmpMem: return .noReference
        }
    }

    /// Spurious: a real call without annotation, or a non-call taken as a site.
    func spuriousCause(_ s: Site, in scan: RelocScan) -> Cause {
        if scan.policy == .naive {
            let end = s.offset + UInt64(s.length)
            let r = scan.references.first {
                $0.sectionIndex == s.sectionIndex && $0.relocationOffset >= s.offset && $0.relocationOffset < end
            }
            return r.map { $0.use == .callMem || $0.use == .jmpMem } == true ? .unannotatedCall : .nonCall
        }
        return s.kind == .other ? .nonCall : .unannotatedCall
    }
}
