import ELF
import MacroSites
import RelocSites
import SiteModel

/// Where a run's sites come from.
public enum SiteSource: String, Sendable, Codable, CaseIterable {
    /// The file's own `.parainstructions` records when it has any, else the scan.
    case auto
    /// The file's own records (an annotated build).
    case annotated
    /// The relocation scan under the policy.
    case scan
}

/// `pvsites records` on one file: which sites, the records made from them,
/// the refused ones, their encoding, and the simulator's verdict.
public struct RecordsRun: Sendable {
    public struct Options: Sendable {
        public var policy: Policy
        public var sites: SiteSource
        /// `--layout`; nil: the file's own records' layout, else linux-6.1.
        public var layout: String?
        /// Decode the sites (nil: all but naive).
        public var decodeSites: Bool?
        public var check: Bool
        public var tableSymbol: String?

        public init(policy: Policy = .decoded, sites: SiteSource = .auto, layout: String? = nil,
                    decodeSites: Bool? = nil, check: Bool = false, tableSymbol: String? = nil) {
            self.policy = policy
            self.sites = sites
            self.layout = layout
            self.decodeSites = decodeSites
            self.check = check
            self.tableSymbol = tableSymbol
        }
    }

    public let path: String
    public let isRelocatable: Bool
    /// `annotated`, or the policy's name.
    public let sitesFrom: String
    public let siteCount: Int
    public let set: RecordSet
    public let encoded: EncodedRecords
    public let assembly: String
    public let check: PatchCheck?

    public init(file: ObjectFile, options: Options) throws {
        try file.requireSymbolTable()
        path = file.path
        isRelocatable = file.isRelocatable
        let maker = RecordMaker(file: file)
        // A layout asked for names the patcher (6.8's checks the site's
        // bytes) and the section the file's own records are in.
        let asked = try options.layout.map { try RecordEncoder.format(named: $0) }
        let patcher = asked.map { Patcher(format: $0) } ?? .paravirt
        var macro: MacroScan?
        if options.sites != .scan {
            let m = try MacroScan(file: file, options: MacroOptions(section: asked?.defaultSection ?? ".parainstructions",
                                                                   tableSymbol: options.tableSymbol, sourcePositions: false))
            if options.sites == .annotated || !m.sites.isEmpty { macro = m }
        }
        let layoutName: String
        if let macro {
            sitesFrom = "annotated"
            siteCount = macro.sites.count
            set = try maker.make(sites: macro.sites, references: [], annotated: true,
                             options: RecordOptions(decodeSites: options.decodeSites ?? true, patcher: patcher))
            layoutName = options.layout ?? (RecordFormats.find(named: macro.layout)?.layout != nil ? macro.layout : "linux-6.1")
        } else {
            let scan = try RelocScan(file: file, options: RelocOptions(tableSymbol: options.tableSymbol, policy: options.policy,
                                                                       sourcePositions: false))
            sitesFrom = options.policy.rawValue
            siteCount = scan.sites.count
            set = try maker.make(sites: scan.sites, references: scan.references, annotated: false,
                                 options: RecordOptions(decodeSites: options.decodeSites ?? !options.policy.guesses,
                                                       patcher: patcher))
            layoutName = options.layout ?? "linux-6.1"
        }
        let format = try RecordEncoder.format(named: layoutName)
        encoded = try RecordEncoder.encode(set.records, format: format, relocatable: file.isRelocatable)
        assembly = try RecordEncoder.assembly(
            set.records, format: format, relocatable: file.isRelocatable,
            header: "pvsites records: \(file.path)\nsites from \(sitesFrom), layout \(format.name): \(set.records.count) records")
        check = options.check ? try PatchSimulator.check(file: file, records: set.records) : nil
    }

    /// What `-o` writes: an image's raw section bytes; an object's `.S`,
    /// and an image's too where the records are relative (6.8's offsets
    /// depend on where they are linked).
    public var output: [UInt8] {
        isRelocatable || encoded.relocations.contains { $0.type == RelocationType.pc32.description }
            ? Array(assembly.utf8) : encoded.bytes
    }
}
