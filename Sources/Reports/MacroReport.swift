import Pipeline
import MacroSites
import SiteModel

/// `pvsites macro`: the annotated sites of each file.
public struct MacroReport: Codable, Sendable {
    public struct Summary: Codable, Sendable {
        public let files: Int
        public let records: Int
        public let sites: Int
        public let findings: Int
        public let failed: Int
    }

    public struct FileEntry: Codable, Sendable {
        public let path: String
        public let section: String?
        public let layout: String
        public let layoutReason: String
        public let table: String?
        public let records: Int
        /// Records that are not pv sites (6.8+ `.altinstructions`), and of
        /// those the native replacements at a site's instruction.
        public let otherRecords: Int
        public let nativeReplacements: Int
        public let sites: [Site]
        public let findings: [Finding]

        enum CodingKeys: String, CodingKey {
            case path, section, layout, table, records, sites, findings
            case layoutReason = "layout_reason"
            case otherRecords = "other_records"
            case nativeReplacements = "native_replacements"
        }

        init(_ file: MacroBatch.File) {
            let scan = file.scan
            path = scan.path
            section = scan.section
            layout = scan.layout
            layoutReason = scan.layoutReason
            table = scan.table
            records = scan.records
            otherRecords = scan.otherRecords
            nativeReplacements = scan.nativeReplacements
            sites = file.sites
            findings = scan.findings
        }
    }

    public var schema = 1
    public let summary: Summary
    public let files: [FileEntry]
    public let errors: [FileFailure]

    /// The batch laid out: its files, failures and totals.
    public init(_ batch: MacroBatch) {
        files = batch.files.map(FileEntry.init)
        errors = batch.failures
        summary = Summary(files: files.count, records: files.reduce(0) { $0 + $1.records },
                          sites: files.reduce(0) { $0 + $1.sites.count },
                          findings: files.reduce(0) { $0 + $1.findings.count }, failed: errors.count)
    }

    /// Plain text: per file a header, one line per site, then warnings.
    public func text() -> String {
        var out = ""
        for f in files {
            guard let section = f.section else {
                out += "\(f.path): \(f.layoutReason)\n"
                continue
            }
            // 6.8+: say what the other alternatives are.
            let others = f.otherRecords == 0 ? ""
                : ": \(f.nativeReplacements) native replacement\(f.nativeReplacements == 1 ? "" : "s") at those sites, "
                    + "\(f.otherRecords - f.nativeReplacements) other alternative\(f.otherRecords - f.nativeReplacements == 1 ? "" : "s")"
            out += "\(f.path): \(TextTable.count(f.sites.count, "site")) in \(section) (\(TextTable.count(f.records, "record"))\(others))\n"
            out += "  layout \(f.layout): \(f.layoutReason)\n"
            for s in f.sites {
                var line = "  " + TextTable.pad(s.location, 30) + TextTable.padLeft(String(s.length), 3)
                    + " " + TextTable.pad(s.kind.rawValue, 5) + s.op.description
                if let c = s.clobbers { line += " [\(c)]" }
                out += line + "\n"
                if let frame = s.source.first { out += "      at \(frame.position)\n" }
            }
            for w in f.findings { out += "warning: \(w)\n" }
        }
        out += TextTable.count(summary.files, "file") + ", " + TextTable.count(summary.sites, "site") + ", "
            + TextTable.count(summary.findings, "warning")
        return out + "\n"
    }
}
