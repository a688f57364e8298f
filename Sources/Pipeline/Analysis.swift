import Compare
import ELF
import MacroSites
import RelocSites
import SiteModel

/// Both strategies and every policy asked for, run once on one input: a file
/// (same-object: its records against its own scan, as on a real kernel) or
/// a pair of builds of the same source (cross-build: the annotated build's
/// records against the plain build's scan, matched by site key, plus the
/// control, the scan of the annotated build itself). The one path that
/// `pvsites compare`, the study, the fuzz target and the mutation test take.
///
/// The dataflow scan is always made: it is the evidence that explains
/// misses, built once and shared by every policy's comparison.
public struct Analysis: Sendable {
    public let mode: CompareMode
    /// The records of the annotated file.
    public let macro: MacroScan
    /// The annotated sites compared (ops named across builds).
    public let annotated: [Site]
    /// The scan of the plain build (or of the same file), per policy.
    public let scans: [Policy: RelocScan]
    public let evidence: Evidence
    /// The comparison per policy asked for.
    public let comparisons: [Policy: Comparison]
    /// Cross-build only, when asked: the decoded scan of the annotated file
    /// against its own records.
    public let control: Comparison?

    public struct Options: Sendable {
        public var tableSymbol: String?
        public var sourcePositions: Bool
        /// The ops' names (the study passes the whole table's); nil or
        /// empty: both builds' own (`OpNames.crossBuild`).
        public var names: OpNames?
        /// Cross-build: also scan the annotated file against its own records.
        public var control: Bool
        /// The direct form's trampoline prefix (`pv_tramp_`): direct calls
        /// to such symbols are sites of the op their name gives, in the
        /// scanned file (nil: look for none).
        public var trampolinePrefix: String?

        public init(tableSymbol: String? = nil, sourcePositions: Bool = true, names: OpNames? = nil,
                    control: Bool = false, trampolinePrefix: String? = Trampolines.defaultPrefix) {
            self.tableSymbol = tableSymbol
            self.sourcePositions = sourcePositions
            self.names = names
            self.control = control
            self.trampolinePrefix = trampolinePrefix
        }
    }

    /// Same-object: `file`'s records against its own scan, matched by address.
    public init(file: ObjectFile, policies: [Policy] = Policy.allCases, options: Options = Options()) throws {
        macro = try MacroScan(file: file, options: MacroOptions(tableSymbol: options.tableSymbol,
                                                                 sourcePositions: options.sourcePositions))
        scans = try Self.scan(file, policies, options)
        evidence = Evidence(scan: scans[.dataflow]!)
        annotated = macro.sites
        mode = .sameObject
        var comparisons: [Policy: Comparison] = [:]
        for p in policies {
            comparisons[p] = Comparison.sameObject(annotated: annotated, scan: scans[p]!, evidence: evidence)
        }
        self.comparisons = comparisons
        control = nil
    }

    /// Cross-build: the records of `annotated` against the scan of `plain`,
    /// matched by site key.
    public init(annotated a: ObjectFile, plain p: ObjectFile, policies: [Policy] = Policy.allCases,
                options: Options = Options()) throws {
        macro = try MacroScan(file: a, options: MacroOptions(tableSymbol: options.tableSymbol,
                                                              sourcePositions: options.sourcePositions))
        // The names given, else both builds' own (OpNames.crossBuild): a
        // clang object names no field of a table it only uses, and a direct
        // build's object, which never names the table, finds its
        // trampolines' ops by name in them.
        let names = options.names.flatMap { $0.isEmpty ? nil : $0 }
            ?? OpNames.crossBuild([p, a], symbol: options.tableSymbol)
        let scans = try Self.scan(p, policies, options, fieldNames: names).mapValues { $0.relabeled(names) }
        self.scans = scans
        let dataflow = scans[.dataflow]!
        evidence = Evidence(scan: dataflow, functions: Self.functionNames(p),
                            untiedCalls: UntiedCalls.counter(file: p, sites: Set(dataflow.sites.map(\.place))))
        annotated = names.name(macro.sites)
        mode = .crossBuild
        var comparisons: [Policy: Comparison] = [:]
        for policy in policies {
            comparisons[policy] = Comparison.crossBuild(annotated: annotated, plain: scans[policy]!, evidence: evidence)
        }
        self.comparisons = comparisons
        if options.control {
            // Causes come from the same evidence as everywhere: the dataflow
            // scan of the file compared.
            let own = try RelocScan.scan(file: a, options: RelocOptions(tableSymbol: options.tableSymbol,
                                                                        sourcePositions: false),
                                         policies: [.decoded, .dataflow])
            control = Comparison.sameObject(annotated: annotated, scan: own[0], evidence: Evidence(scan: own[1]))
        } else {
            control = nil
        }
    }

    /// The names of the functions `file` defines (its symbol table, untyped
    /// labels too: hand-written asm often omits `.type`): which functions
    /// the plain build has out of line.
    private static func functionNames(_ file: ObjectFile) -> Set<String> {
        var names = Set<String>()
        file.forEachSymbolEntry { s in
            guard s.isDefined, !s.hasEmptyName, s.type == .function || s.type == .notype else { return }
            names.insert(file.symbolName(index: s.index))
        }
        return names
    }

    /// One decoding pass: the sites of every policy asked for, and dataflow's.
    private static func scan(_ file: ObjectFile, _ policies: [Policy], _ options: Options,
                             fieldNames: OpNames? = nil) throws -> [Policy: RelocScan] {
        let all = policies.contains(.dataflow) ? policies : policies + [.dataflow]
        let list = try RelocScan.scan(file: file, options: RelocOptions(tableSymbol: options.tableSymbol,
                                                                         sourcePositions: options.sourcePositions,
                                                                         trampolinePrefix: options.trampolinePrefix,
                                                                         fieldNames: fieldNames ?? options.names),
                                      policies: all)
        return Dictionary(uniqueKeysWithValues: zip(all, list))
    }
}
