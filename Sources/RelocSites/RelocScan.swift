import Concurrency
import DebugInfo
import X86
import ELF
import SiteModel

/// Options of the relocation scan.
public struct RelocOptions: Sendable {
    public var tableSymbol: String?
    public var policy: Policy
    /// Attach inline chains from DWARF to sites.
    public var sourcePositions: Bool
    /// The direct form: symbols with this prefix are trampolines, and
    /// direct calls to them are sites (nil: look for none).
    public var trampolinePrefix: String?
    /// The whole table's names, to find a trampoline's op by its name when
    /// the file's own DWARF does not describe the table (a direct-form
    /// object never names it); they take the place of the file's own.
    public var fieldNames: OpNames?

    public init(tableSymbol: String? = nil, policy: Policy = .dataflow, sourcePositions: Bool = true,
                trampolinePrefix: String? = Trampolines.defaultPrefix, fieldNames: OpNames? = nil) {
        self.tableSymbol = tableSymbol
        self.policy = policy
        self.sourcePositions = sourcePositions
        self.trampolinePrefix = trampolinePrefix
        self.fieldNames = fieldNames
    }
}

/// What the relocation scan found in one file: every reference to the
/// table in code, decoded and classified, and the sites of one policy.
public struct RelocScan: Sendable {
    public let path: String
    /// The table symbol, nil when the file does not mention one.
    public let table: String?
    public let policy: Policy
    public let references: [Reference]
    public let sites: [Site]
    public let findings: [Finding]

    public init(path: String, table: String?, policy: Policy, references: [Reference], sites: [Site],
                findings: [Finding]) {
        self.path = path
        self.table = table
        self.policy = policy
        self.references = references
        self.sites = sites
        self.findings = findings
    }
}

extension RelocScan {
    public init(file: ObjectFile, options: RelocOptions = RelocOptions()) throws {
        self = try Self.scan(file: file, options: options, policies: [options.policy])[0]
    }

    /// Scan once and derive the sites of several policies from the same
    /// references (the study wants all three; decoding and DWARF are the
    /// expensive part, and they are shared).
    public static func scan(file: ObjectFile, options: RelocOptions, policies: [Policy]) throws -> [RelocScan] {
        try file.requireSymbolTable()
        func empty(_ table: String?, _ findings: [Finding]) -> [RelocScan] {
            policies.map { RelocScan(path: file.path, table: table, policy: $0, references: [], sites: [], findings: findings) }
        }
        let names = options.tableSymbol.map { [$0] } ?? OpsTable.defaultSymbols
        // A file with neither the table symbol nor a trampoline is dismissed
        // on its symbol table alone.
        let hasTable = names.contains { !file.findSymbols(named: $0).isEmpty }
        let hasTrampolines = options.trampolinePrefix.map { !$0.isEmpty && !file.findSymbolIndices(withPrefix: $0).isEmpty } ?? false
        guard hasTable || hasTrampolines else { return empty(nil, []) }
        var findings: [Finding] = []
        let debugInfo: DebugInfo?
        do { debugInfo = try file.openDebugInfo() } catch {
            debugInfo = nil
            findings.append(Finding(.dwarfUnusable, path: file.path, place: ".debug_info",
                                    message: "DWARF unusable, no op names or source positions: \(error)"))
        }
        let found = hasTable ? OpsTable(file: file, symbol: options.tableSymbol, debugInfo: debugInfo) : nil
        var trampolines: Trampolines?
        var fields = found?.members ?? [:]
        if hasTrampolines, let prefix = options.trampolinePrefix {
            fields = OpNames.own(file, symbol: options.tableSymbol, debugInfo: debugInfo)
                .overridden(by: options.fieldNames ?? [:])
            trampolines = Trampolines(file: file, prefix: prefix, fields: fields)
        }
        if trampolines?.isEmpty == true { trampolines = nil }
        guard found != nil || trampolines != nil else { return empty(nil, findings) }
        // Without the table symbol (a direct-form object that only calls
        // trampolines) the table is known by its field names alone.
        let table = found ?? OpsTable(symbol: options.tableSymbol ?? OpsTable.defaultSymbols.last!,
                                      members: fields, size: nil)
        var scanner = Scanner(file: file, table: table, trampolines: trampolines)
        var refs = try scanner.references()
        var sitesByPolicy = try policies.map { try scanner.sites(policy: $0, references: refs) }
        findings += scanner.findings
        if options.sourcePositions, let debugInfo {
            // One batch of DWARF lookups for every distinct place.
            var places: [(section: Int, offset: UInt64)] = []
            var index: [Place: Int] = [:]
            func slot(_ section: Int, _ offset: UInt64) -> Int {
                let k = Place(section: section, offset: offset)
                if let i = index[k] { return i }
                index[k] = places.count
                places.append((section, offset))
                return places.count - 1
            }
            for r in refs { _ = slot(r.sectionIndex, r.offset) }
            for list in sitesByPolicy { for s in list { _ = slot(s.sectionIndex, s.offset) } }
            let chains = places.isEmpty ? [] : debugInfo.inlineChains(places)
            let units = places.isEmpty ? [] : debugInfo.unitNames(places)
            for i in refs.indices {
                refs[i].source = chains[slot(refs[i].sectionIndex, refs[i].offset)]
                refs[i].unit = units[slot(refs[i].sectionIndex, refs[i].offset)]
            }
            for p in sitesByPolicy.indices {
                for i in sitesByPolicy[p].indices {
                    let s = sitesByPolicy[p][i]
                    sitesByPolicy[p][i].source = chains[slot(s.sectionIndex, s.offset)]
                    sitesByPolicy[p][i].unit = units[slot(s.sectionIndex, s.offset)]
                }
            }
        }
        return zip(policies, sitesByPolicy).map { policy, sites in
            RelocScan(path: file.path, table: found?.symbol, policy: policy, references: refs, sites: sites,
                      findings: findings)
        }
    }

    /// Count by use (references) and by kind (sites) in one map, as
    /// `summary.by_kind` reports them.
    public var byKind: [String: Int] {
        var m: [String: Int] = [:]
        for r in references { m[r.use.rawValue, default: 0] += 1 }
        for s in sites { m[s.kind.rawValue, default: 0] += 1 }
        return m
    }
}

extension RelocScan {
    /// The same scan with unnamed ops named from `names` (borrowed across
    /// builds: see `OpNames`).
    public func relabeled(_ names: OpNames) -> RelocScan {
        guard !names.isEmpty else { return self }
        let refs = references.map { r -> Reference in
            guard let op = r.op, op.name == nil else { return r }
            var copy = r
            copy.op = op.named(from: names)
            return copy
        }
        return RelocScan(path: path, table: table, policy: policy, references: refs,
                         sites: names.name(sites), findings: findings)
    }
}

/// The work of one scan: references first, then sites.
struct Scanner {
    let file: ObjectFile
    let table: OpsTable
    /// The direct form's trampolines, when the file has any.
    var trampolines: Trampolines?
    var findings: [Finding] = []

    init(file: ObjectFile, table: OpsTable, trampolines: Trampolines? = nil) {
        self.file = file
        self.table = table
        self.trampolines = trampolines
    }


    /// References below this many are decoded on the calling thread: a
    /// module's few dozen are not worth a helper.
    static let parallelThreshold = 256

    mutating func references() throws -> [Reference] {
        // Only relocations naming a table candidate become values; of those,
        // only the ones that can land in the table are decoded.
        var work: [Work] = [], trampolineJumps: [Work] = []
        for rs in file.relocationSections where rs.targetIndex != 0 {
            guard let target = file.findSection(index: rs.targetIndex), target.isExecutable,
                  file.sections[rs.symbolTableIndex].type == .symtab else { continue }
            let relocs = try file.readRelocations(rs, against: table.candidates)
            for r in relocs where table.mayReference(r) {
                // The trampolines' own jumps through the table are not sites.
                if let t = trampolines, t.containsBody(section: target.index, offset: r.offset) {
                    trampolineJumps.append(Work(section: target, relocation: r))
                    continue
                }
                work.append(Work(section: target, relocation: r))
            }
            if let t = trampolines {
                for r in try file.readRelocations(rs, against: t.candidates) {
                    work.append(Work(section: target, relocation: r, trampoline: true))
                }
            }
        }
        // A defined trampoline the names did not give takes the field its
        // own jump goes through.
        if trampolines != nil {
            var decoder = ReferenceDecoder(file: file, table: table, trampolines: nil)
            for w in trampolineJumps {
                guard let ref = decoder.reference(w.relocation, in: w.section), ref.use == .jmpMem, let op = ref.op else { continue }
                trampolines!.resolve(jumpAt: Place(section: w.section.index, offset: ref.offset), field: op.offset, name: op.name)
            }
        }
        // Decode in contiguous chunks, one CodeReader per chunk; chunks come
        // back in order, so findings keep the order of the relocations.
        let pieces = work.count < Self.parallelThreshold ? 1 : WorkerPool.cores * 4
        let (file, table, trampolines, items) = (self.file, self.table, self.trampolines, work)
        let chunks = WorkerPool.map(WorkerPool.ranges(count: work.count, pieces: pieces)) { range in
            var decoder = ReferenceDecoder(file: file, table: table, trampolines: trampolines)
            var refs: [Reference] = []
            for k in range {
                let item = items[k]
                let ref = item.trampoline ? decoder.trampolineReference(item.relocation, in: item.section)
                    : decoder.reference(item.relocation, in: item.section)
                if let ref { refs.append(ref) }
            }
            return (refs, decoder.findings)
        }
        var refs: [Reference] = []
        refs.reserveCapacity(chunks.reduce(0) { $0 + $1.0.count })
        for (chunkRefs, chunkFindings) in chunks {
            refs += chunkRefs
            findings += chunkFindings
        }
        refs.sort { ($0.sectionIndex, $0.offset, $0.relocationOffset) < ($1.sectionIndex, $1.offset, $1.relocationOffset) }
        return refs
    }

    private struct Work: Sendable {
        let section: Section
        let relocation: Relocation
        /// Against a trampoline symbol, not the table.
        var trampoline = false
    }

    /// The sites of one policy, in section and offset order. Each policy
    /// is a file of its own: NaivePolicy.swift, DecodedPolicy.swift,
    /// DataflowPolicy.swift.
    func sites(policy: Policy, references refs: [Reference]) throws -> [Site] {
        var sites: [Site]
        switch policy {
        case .naive:
            sites = NaivePolicy(file: file, table: table).sites(refs)
        case .decoded:
            sites = DecodedPolicy(table: table).sites(refs)
        case .dataflow:
            var dataflow = DataflowPolicy(file: file, table: table)
            sites = try dataflow.sites(refs)
        }
        sites.sort { ($0.sectionIndex, $0.offset) < ($1.sectionIndex, $1.offset) }
        return sites
    }
}

/// Turns relocations into references: the anchored decode and the
/// classification. One per worker (it owns a CodeReader and its caches).
struct ReferenceDecoder {
    let file: ObjectFile
    let table: OpsTable
    let trampolines: Trampolines?
    let code: CodeReader
    var findings: [Finding] = []

    init(file: ObjectFile, table: OpsTable, trampolines: Trampolines? = nil) {
        self.file = file
        self.table = table
        self.trampolines = trampolines
        self.code = CodeReader(file: file)
    }

    mutating func reference(_ r: Relocation, in section: Section) -> Reference? {
        let viaGOT = r.type.isGOTRelative
        guard let anchored = code.instruction(at: r, in: section) else {
            // Keep it, counted: the decoder could not classify it.
            guard let field = table.fieldOffset(r, instructionEnd: r.offset + UInt64(r.type.width)) else { return nil }
            findings.append(Finding(.referenceDoesNotDecode, path: file.path, place: file.describe(section: section.index, offset: r.offset),
                                    message: "reference to \(table.symbol) (\(r.type)) does not decode"))
            var ref = Reference(section: section.name, sectionIndex: section.index, offset: r.offset,
                                address: file.address(of: section, offset: r.offset),
                                location: file.describe(section: section.index, offset: r.offset),
                                use: .undecodable, op: table.op(offset: field), instruction: "", length: 0,
                                relocationOffset: r.offset, relocationType: r.type.description, register: nil,
                                confirmedBySweep: false, viaGOT: viaGOT)
            ref.guessStartsInstruction = r.offset >= 2
                && code.instructionStarts(section: section, offset: r.offset).contains(Int(r.offset) - 2)
            return ref
        }
        let end = anchored.offset + UInt64(anchored.instruction.length)
        guard let field = table.fieldOffset(r, instructionEnd: end) else { return nil }
        let use = Classifier.use(of: anchored.instruction, field: anchored.field, viaGOT: viaGOT)
        // A GOT load yields the table's address, not a field: no op yet.
        let op: Op? = viaGOT ? nil : table.op(offset: field)
        let register = (use == .load || use == .address) ? anchored.instruction.destinationRegister?.full : nil
        return Reference(section: section.name, sectionIndex: section.index, offset: anchored.offset,
                         address: file.address(of: section, offset: anchored.offset),
                         location: file.describe(section: section.index, offset: anchored.offset),
                         use: use, op: op, instruction: anchored.instruction.text,
                         length: anchored.instruction.length, relocationOffset: r.offset,
                         relocationType: r.type.description, register: register,
                         confirmedBySweep: anchored.confirmedBySweep, viaGOT: viaGOT)
    }

}
