import Compare
import MacroSites
import ELF
import RelocSites

/// Every stage one input goes through, in the order `pvsites compare` runs
/// them: open and validate → `Analysis` (annotated records, the relocation
/// scan under every policy from one decoding pass, same-object comparisons)
/// → a cross-build comparison of the file against itself. The fuzz target
/// (`Sources/pvsites-fuzz`) and the mutation test run it on broken inputs:
/// whatever the bytes, it returns a summary or throws a typed error
/// (`ObjectFileError`, or a `FileFailure` for anything else) — it never
/// traps.
public enum WholePath {
    /// What one run produced, enough to tell runs apart.
    public struct Summary: Sendable, Equatable {
        public var sections = 0
        public var annotated = 0
        public var macroFindings = 0
        public var references = 0
        public var sites = 0
        public var outcomes = 0
    }

    /// Run every stage on an image held in memory (compressed or not).
    public static func run(bytes: [UInt8], name: String, sourcePositions: Bool = true) throws -> Summary {
        try run(file: ObjectFile(bytes: bytes, name: name), sourcePositions: sourcePositions)
    }

    /// Run every stage on an open file.
    public static func run(file: ObjectFile, sourcePositions: Bool = true) throws -> Summary {
        var summary = Summary()
        summary.sections = file.sections.count
        _ = file.symbols  // every symbol as a value, as objinfo reads them
        for rs in file.relocationSections { _ = try file.readRelocations(rs) }
        // A stripped file is a typed error for both strategies; stop there.
        try file.requireSymbolTable()
        let analysis = try Analysis(file: file, options: Analysis.Options(sourcePositions: sourcePositions))
        summary.annotated = analysis.macro.sites.count
        summary.macroFindings = analysis.macro.findings.count
        summary.references = analysis.evidence.scan.references.count
        summary.sites = analysis.scans.values.reduce(0) { $0 + $1.sites.count }
        summary.outcomes = analysis.comparisons.values.reduce(0) { $0 + $1.outcomes.count }
        // The cross-build path too: the file against itself, by site key.
        let cross = Comparison.crossBuild(annotated: analysis.annotated, plain: analysis.scans[.decoded]!,
                                          evidence: analysis.evidence)
        summary.outcomes += cross.outcomes.count
        return summary
    }
}
