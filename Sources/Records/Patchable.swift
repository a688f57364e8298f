import ELF
import MacroSites
import RelocSites
import SiteModel

/// The `patchable` count the study reports beside `found`: of one file's
/// scanned sites, how many a record can be made for that Linux's patcher
/// accepts (every check on, naive's guesses included: a guess that is not a
/// whole call is not patchable, whatever the 2007 proposal would write).
public enum Patchable {
    public static func count(file: ObjectFile, scan: RelocScan, patcher: Patcher = .paravirt) throws -> Int {
        try records(file: file, scans: [scan], patcher: patcher)[scan.policy]!.records.count
    }

    /// The same for several policies' scans of one file, sharing the
    /// branch targets.
    public static func counts(file: ObjectFile, scans: [RelocScan], patcher: Patcher = .paravirt) throws -> [Policy: Int] {
        try records(file: file, scans: scans, patcher: patcher).mapValues(\.records.count)
    }

    /// The records made from each whole scan (as `pvsites records
    /// --policy P` with decoding makes them), one RecordMaker for the file.
    /// `patcher`: the Linux whose records these would be (the annotated
    /// build's record layout says which).
    public static func records(file: ObjectFile, scans: [RelocScan], patcher: Patcher = .paravirt) throws -> [Policy: RecordSet] {
        let maker = RecordMaker(file: file)
        var out: [Policy: RecordSet] = [:]
        for scan in scans {
            out[scan.policy] = try maker.make(sites: scan.sites, references: scan.references, annotated: false,
                                          options: RecordOptions(decodeSites: true, patcher: patcher))
        }
        return out
    }

    /// The patcher of an annotated build whose records are in `layout`
    /// (MacroScan's layout name): 6.8's `.altinstructions` or `.parainstructions`.
    public static func patcher(layout: String) -> Patcher {
        RecordFormats.find(named: layout).map { Patcher(format: $0) } ?? .paravirt
    }

    /// Of `sites` (some of the scan's, e.g. those that found an annotated
    /// site), how many got a record in `set`: the records are made from the
    /// whole scan, so a found site that overlaps an earlier spurious one's
    /// record is not patchable, as in the file the records command writes.
    public static func count(of sites: [Site], in set: RecordSet) -> Int {
        let made = Set(set.records.map { RecordSpot(sectionIndex: $0.sectionIndex, offset: $0.offset) })
        return sites.filter { made.contains(RecordSpot(sectionIndex: $0.sectionIndex, offset: $0.offset)) }.count
    }
}

/// Where a record starts: its section and offset.
private struct RecordSpot: Hashable {
    let sectionIndex: Int
    let offset: UInt64
}
