import Pipeline

/// `pvsites objinfo`: what each file is, and which sections carry relocations.
public struct ObjectInfoReport: Codable, Sendable {
    public struct Summary: Codable, Sendable {
        public let files: Int
        public let relocations: Int
        public let failed: Int
    }

    public var schema = 1
    public let summary: Summary
    public let files: [ObjectInfo]
    public let errors: [FileFailure]

    /// The files read, laid out with their failures and totals.
    public init(_ batch: Batch<ObjectInfo>) {
        files = batch.results
        errors = batch.failures
        self.summary = Summary(files: files.count, relocations: files.reduce(0) { $0 + $1.relocations },
                               failed: errors.count)
    }

    /// Plain text, 72 columns.
    public func text() -> String {
        var out = ""
        for f in files {
            var kind = f.type
            if let c = f.compression { kind += ", \(c)-compressed" }
            out += "\(f.path): \(f.elfType), \(kind)\n"
            out += "  " + TextTable.count(f.sections, "section") + ", " + TextTable.count(f.symbols, "symbol") + ", "
                + TextTable.count(f.relocations, "relocation") + "\n"
            for rs in f.relocationSections {
                let target = rs.target.isEmpty ? "(dynamic)" : rs.target
                out += "  " + TextTable.pad(rs.name, 28) + TextTable.pad(target, 28)
                    + TextTable.padLeft(String(rs.count), 10) + "\n"
            }
        }
        out += TextTable.count(summary.files, "file") + ", " + TextTable.count(summary.relocations, "relocation")
        return out + "\n"
    }
}
