import RelocSites
import SiteModel

/// Borrows op names across builds: an annotated object whose C code never
/// names the table has no DWARF type for it, while the plain build of the
/// same source does. Field offsets are the identity; names are for people.
public enum OpNames {
    /// Rename sites whose op has no DWARF name (`type 37`, `+0x128`) with
    /// the name the scan knows for the same field offset.
    public static func relabel(_ sites: [Site], from scan: RelocScan) -> [Site] {
        relabel(sites, names: names(in: scan))
    }

    /// Field offset → name, as far as `scan` knows them from DWARF.
    public static func names(in scan: RelocScan) -> [Int64: String] {
        var names: [Int64: String] = [:]
        for s in scan.sites where !isPlaceholder(s.op.name) { names[s.op.offset] = s.op.name }
        for r in scan.references { if let op = r.op, !isPlaceholder(op.name) { names[op.offset] = op.name } }
        return names
    }

    /// `type 37`, `+0x128`: what an op is called when DWARF did not name it.
    public static func isPlaceholder(_ name: String) -> Bool { name.hasPrefix("type ") || name.hasPrefix("+") }

    /// Rename placeholder ops with the names given.
    public static func relabel(_ sites: [Site], names: [Int64: String]) -> [Site] {
        sites.map { s in
            guard isPlaceholder(s.op.name), let name = names[s.op.offset] else { return s }
            return Site(section: s.section, sectionIndex: s.sectionIndex, offset: s.offset, address: s.address,
                        location: s.location, length: s.length, kind: s.kind, op: Op(offset: s.op.offset, name: name),
                        clobbers: s.clobbers, source: s.source, evidence: s.evidence)
        }
    }
}

extension RelocScan {
    /// The same scan with placeholder op names replaced from `names`.
    public func relabeled(_ names: [Int64: String]) -> RelocScan {
        guard !names.isEmpty else { return self }
        let refs = references.map { r -> Reference in
            guard let op = r.op, OpNames.isPlaceholder(op.name), let name = names[op.offset] else { return r }
            var copy = Reference(section: r.section, sectionIndex: r.sectionIndex, offset: r.offset, address: r.address,
                                 location: r.location, use: r.use, op: Op(offset: op.offset, name: name),
                                 instruction: r.instruction, length: r.length, relocationOffset: r.relocationOffset,
                                 relocationType: r.relocationType, register: r.register,
                                 confirmedBySweep: r.confirmedBySweep, viaGOT: r.viaGOT)
            copy.source = r.source
            return copy
        }
        return RelocScan(path: path, table: table, policy: policy, references: refs,
                         sites: OpNames.relabel(sites, names: names), findings: findings)
    }
}
