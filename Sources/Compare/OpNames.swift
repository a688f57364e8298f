import RelocSites
import SiteModel

/// Borrows op names across builds: an annotated object whose C code never
/// names the table has no DWARF type for it, while the plain build of the
/// same source does. Field offsets are the identity; names are for people.
public enum OpNames {
    /// Rename sites whose op has no DWARF name (`type 37`, `+0x128`) with
    /// the name the scan knows for the same field offset.
    public static func relabel(_ sites: [Site], from scan: RelocScan) -> [Site] {
        var names: [Int64: String] = [:]
        for s in scan.sites { names[s.op.offset] = s.op.name }
        for r in scan.references { if let op = r.op { names[op.offset] = op.name } }
        return sites.map { s in
            guard s.op.name.hasPrefix("type ") || s.op.name.hasPrefix("+"),
                  let name = names[s.op.offset], !name.hasPrefix("+") else { return s }
            return Site(section: s.section, sectionIndex: s.sectionIndex, offset: s.offset, address: s.address,
                        location: s.location, length: s.length, kind: s.kind, op: Op(offset: s.op.offset, name: name),
                        clobbers: s.clobbers, source: s.source, evidence: s.evidence)
        }
    }
}
