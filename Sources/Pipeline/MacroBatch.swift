import ELF
import MacroSites
import SiteModel

/// `pvsites macro`'s analysis: the annotated sites of each file, read in
/// parallel (input order kept), with ops named.
///
/// Ops the objects' own DWARF does not name (an annotated object whose
/// C code names the table only inside asm has no type for it) are named
/// from `namesFrom` (files whose DWARF has the table, such as the plain
/// build of the same source), else from the other files of the batch, as
/// `reloc` names them.
public struct MacroBatch: Sendable {
    /// One file's scan and its sites with ops named.
    public struct File: Sendable {
        public let scan: MacroScan
        public let sites: [Site]
    }

    public let files: [File]
    public let failures: [FileFailure]

    public init(paths: [String], options: MacroOptions, namesFrom: [String] = []) {
        let batch = Batch(paths: paths) { try MacroScan(file: $0, options: options) }
        var names: OpNames = [:]
        let unnamed = batch.results.contains { $0.sites.contains { $0.op.name == nil } }
        if unnamed {
            names = OpNames.firstNaming(paths: namesFrom, symbol: options.tableSymbol)
            if names.isEmpty && namesFrom.isEmpty {
                names = OpNames(ops: batch.results.flatMap { $0.sites.map(\.op) })
                if names.isEmpty { names = OpNames.firstNaming(paths: paths, symbol: options.tableSymbol) }
            }
        }
        files = batch.results.map { File(scan: $0, sites: names.name($0.sites)) }
        failures = batch.failures
    }
}
