import ELF
import RelocSites

/// The `patchable` count the study reports beside `found`: of one file's
/// scanned sites, how many a record can be made for that Linux's patcher
/// accepts (every check on, naive's guesses included: a guess that is not a
/// whole call is not patchable, whatever the 2007 proposal would write).
public enum Patchable {
    public static func count(file: ObjectFile, scan: RelocScan) -> Int {
        RecordMaker(file: file).make(sites: scan.sites, references: scan.references, annotated: false,
                                     options: RecordOptions(decodeSites: true)).records.count
    }

    /// The same for several policies' scans of one file, sharing the
    /// branch targets.
    public static func counts(file: ObjectFile, scans: [RelocScan]) -> [Policy: Int] {
        let maker = RecordMaker(file: file)
        var out: [Policy: Int] = [:]
        for scan in scans {
            out[scan.policy] = maker.make(sites: scan.sites, references: scan.references, annotated: false,
                                          options: RecordOptions(decodeSites: true)).records.count
        }
        return out
    }
}
