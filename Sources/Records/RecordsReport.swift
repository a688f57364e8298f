/// The JSON of `pvsites records` (a contract: `records`, `refused`,
/// `check.passed`, `check.failed`, `check.failures`).
public struct RecordsReport: Sendable, Encodable {
    public var schema = 1
    public let file: String
    public let kind: String
    public let sitesFrom: String
    public let layout: String
    public let sites: Int
    public let records: Int
    public let refused: [String: Int]
    public let refusals: [Refusal]
    public let recordSites: [PatchRecord]
    public let relocations: [RecordRelocation]
    public let check: PatchCheck?

    enum CodingKeys: String, CodingKey {
        case schema, file, kind, layout, sites, records, refused, refusals, relocations, check
        case sitesFrom = "sites_from"
        case recordSites = "record_sites"
    }

    public init(_ run: RecordsRun) {
        file = run.path
        kind = run.isRelocatable ? "object" : "image"
        sitesFrom = run.sitesFrom
        layout = run.encoded.layout
        sites = run.siteCount
        records = run.set.records.count
        refused = Dictionary(uniqueKeysWithValues: run.set.refusedCounts.map { ($0.key.rawValue, $0.value) })
        refusals = run.set.refusals
        recordSites = run.set.records
        relocations = run.encoded.relocations
        check = run.check
    }
}
