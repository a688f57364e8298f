// Strategy: annotated macros (what Linux does). Every paravirt call is
// inline asm from a macro that also emits a record in a section of its own
// (`.parainstructions`; since Linux 6.8, `.altinstructions` entries flagged
// ALT_FLAG_DIRECT_CALL) saying where the site is, how long, which op and,
// in some layouts, what it clobbers. So reading sites back is bookkeeping:
// find the section; take the record format `--layout` names, else the first
// in `FormatDetection.order` that fits; resolve each record's instruction
// pointer through the section's relocations (objects) or the stored value
// (images); name the op from the table's DWARF type; and check each record
// against the bytes it points at, warning with the record's index.
import DebugInfo
import ELF
import SiteModel

/// What the macro strategy found in one file.
public struct MacroScan: Sendable {
    public let path: String
    /// The section read, nil when the file has none.
    public let section: String?
    public let layout: String
    /// One line: why this layout was chosen.
    public let layoutReason: String
    /// Records in the section (before the flags filter of `.altinstructions`).
    public let records: Int
    public let sites: [Site]
    /// Records the flags filter left out (`.altinstructions` of 6.8+: the
    /// alternatives that are not pv calls); 0 for `.parainstructions`.
    public let otherRecords: Int
    /// Of those, the ones at a site's own instruction: a second
    /// alternative for the pv call, the native instruction the kernel puts
    /// there on bare metal (`ALT_NOT(X86_FEATURE_XENPV)`: cli, sti,
    /// pushf; pop, ...). A plain build has only the call.
    public let nativeReplacements: Int
    public let findings: [Finding]
    /// The ops table the op names come from.
    public let table: String?
}

extension MacroScan {
    /// Read and validate every annotated-site record of `file`.
    public init(file: ObjectFile, options: MacroOptions = MacroOptions()) throws {
        try file.requireSymbolTable()
        path = file.path
        let name = options.section ?? options.format?.defaultSection
            ?? [".parainstructions", ".altinstructions"].first { file.findSection(named: $0) != nil }
        guard let name, let recordSection = file.findSection(named: name) else {
            self.section = nil
            layout = options.format?.name ?? "none"
            layoutReason = "no \(options.section ?? ".parainstructions or .altinstructions") section"
            records = 0
            sites = []
            otherRecords = 0
            nativeReplacements = 0
            findings = []
            table = nil
            return
        }
        // A NOBITS size is not bounded by the file: never count records in it.
        guard recordSection.type != .nobits else {
            throw ObjectFileError.corruptSection(path: file.path, section: name,
                                                 reason: "records section has no bytes in the file (NOBITS)")
        }
        section = name
        var dwarfFindings: [Finding] = []
        let debugInfo: DebugInfo?
        do { debugInfo = try file.openDebugInfo() } catch {
            debugInfo = nil
            dwarfFindings.append(Finding(.dwarfUnusable, path: file.path, place: ".debug_info",
                                         message: "DWARF unusable, no op names or source positions: \(error)"))
        }
        let table = OpsTable(file: file, symbol: options.tableSymbol, debugInfo: debugInfo)
        self.table = table?.symbol
        let reader = try RecordReader(file: file, section: recordSection, table: table)
        let (format, reason) = try options.format.map { ($0, "given on the command line") }
            ?? FormatDetection.detect(reader.recordSection)
        layoutReason = reason
        guard let layout = format.layout else {
            // Records in this format are never paravirt sites.
            self.layout = "none"
            records = 0
            sites = []
            otherRecords = 0
            nativeReplacements = 0
            findings = dwarfFindings
            return
        }
        self.layout = format.name
        let result = try reader.read(layout: layout)
        records = result.records
        var sites = result.sites
        otherRecords = result.others.count
        let sitePlaces = Set(sites.map(\.place))
        nativeReplacements = result.others.filter { sitePlaces.contains($0) }.count
        var findings = dwarfFindings + result.findings
        findings += Self.overlaps(sites, path: file.path, section: name)
        if options.sourcePositions, let debugInfo, !sites.isEmpty {
            let chains = debugInfo.inlineChains(sites.map { (section: $0.sectionIndex, offset: $0.offset) })
            let units = debugInfo.unitNames(sites.map { (section: $0.sectionIndex, offset: $0.offset) })
            for i in sites.indices { (sites[i].source, sites[i].unit) = (chains[i], units[i]) }
        }
        self.sites = sites
        self.findings = findings
    }

    /// Sites whose bytes overlap the next site's.
    static func overlaps(_ sites: [Site], path: String, section: String) -> [Finding] {
        let order = sites.indices.sorted {
            (sites[$0].sectionIndex, sites[$0].offset) < (sites[$1].sectionIndex, sites[$1].offset)
        }
        var findings: [Finding] = []
        for (a, b) in zip(order, order.dropFirst()) {
            let x = sites[a], y = sites[b]
            if x.sectionIndex == y.sectionIndex, x.offset + UInt64(x.length) > y.offset {
                findings.append(Finding(.overlappingSites, path: path, place: "\(section)[\(b)]",
                                        message: "site at \(y.location) overlaps record \(a)'s site at \(x.location) (length \(x.length))"))
            }
        }
        return findings
    }
}
