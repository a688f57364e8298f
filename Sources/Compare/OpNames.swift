import RelocSites
import SiteModel

/// Borrows op names across builds: an annotated object whose C code never
/// names the table has no DWARF type for it, while the plain build of the
/// same source does. Field offsets are the identity; names are for people.
public enum OpNames {
    /// Field offset → name, as far as `scan` knows them from DWARF.
    public static func names(in scan: RelocScan) -> [Int64: String] {
        var names: [Int64: String] = [:]
        for s in scan.sites { if let name = s.op.name { names[s.op.offset] = name } }
        for r in scan.references { if let name = r.op?.name { names[r.op!.offset] = name } }
        return names
    }

    /// Sites whose op has no name, named from `names`.
    public static func relabel(_ sites: [Site], names: [Int64: String]) -> [Site] {
        sites.map { $0.op.name == nil ? $0.with(op: $0.op.named(from: names)) : $0 }
    }
}

extension RelocScan {
    /// The same scan with unnamed ops named from `names`.
    public func relabeled(_ names: [Int64: String]) -> RelocScan {
        guard !names.isEmpty else { return self }
        let refs = references.map { r -> Reference in
            guard let op = r.op, op.name == nil else { return r }
            var copy = r
            copy.op = op.named(from: names)
            return copy
        }
        return RelocScan(path: path, table: table, policy: policy, references: refs,
                         sites: OpNames.relabel(sites, names: names), findings: findings)
    }
}
