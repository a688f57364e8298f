import Pipeline
import RelocSites
import SiteModel

/// `pvsites reloc`: references to the table and the sites of one policy.
public struct RelocReport: Codable, Sendable {
    public struct Summary: Codable, Sendable {
        public let files: Int
        public let references: Int
        public let sites: Int
        /// Use → count over references, kind → count over sites.
        public let byKind: [String: Int]
        public let findings: Int
        public let failed: Int

        enum CodingKeys: String, CodingKey {
            case files, references, sites, findings, failed
            case byKind = "by_kind"
        }
    }

    public struct FileEntry: Codable, Sendable {
        public let path: String
        public let table: String?
        public let references: [Reference]
        public let sites: [Site]
        public let findings: [Finding]
    }

    public var schema = 1
    public let policy: Policy
    public let summary: Summary
    public let files: [FileEntry]
    public let errors: [FileFailure]

    /// The batch laid out: its files, failures and totals.
    public init(_ batch: RelocBatch) {
        policy = batch.policy
        files = batch.scans.map {
            FileEntry(path: $0.path, table: $0.table, references: $0.references, sites: $0.sites, findings: $0.findings)
        }
        errors = batch.failures
        var byKind: [String: Int] = [:]
        for scan in batch.scans { byKind.merge(scan.byKind, uniquingKeysWith: +) }
        summary = Summary(files: files.count, references: files.reduce(0) { $0 + $1.references.count },
                          sites: files.reduce(0) { $0 + $1.sites.count }, byKind: byKind,
                          findings: files.reduce(0) { $0 + $1.findings.count }, failed: errors.count)
    }

    public func text() -> String {
        var out = ""
        for f in files {
            // A direct-form object calls trampolines without naming the table.
            guard let table = f.table ?? (f.references.isEmpty ? nil : "trampolines") else {
                out += "\(f.path): no ops table symbol\n"
                continue
            }
            out += "\(f.path): \(TextTable.count(f.references.count, "reference")) to \(table), "
                + "\(TextTable.count(f.sites.count, "site")) (\(policy.rawValue))\n"
            for r in f.references {
                out += "  ref  " + TextTable.pad(r.location, 28) + TextTable.pad(r.use.rawValue, 9)
                    + (r.op?.description ?? "(address)") + "\n"
            }
            for s in f.sites {
                out += "  site " + TextTable.pad(s.location, 28) + TextTable.pad(s.kind.rawValue, 11)
                    + TextTable.padLeft(String(s.length), 2) + " " + s.op.description + "\n"
                if let frame = s.source.first { out += "       at \(frame.position)\n" }
            }
            for w in f.findings { out += "warning: \(w)\n" }
        }
        out += TextTable.count(summary.files, "file") + ", " + TextTable.count(summary.references, "reference") + ", "
            + TextTable.count(summary.sites, "site")
        let kinds = summary.byKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
        if !kinds.isEmpty { out += "\n  " + kinds.joined(separator: ", ") }
        return out + "\n"
    }
}

