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

    public init(tableSymbol: String? = nil, policy: Policy = .dataflow, sourcePositions: Bool = true) {
        self.tableSymbol = tableSymbol
        self.policy = policy
        self.sourcePositions = sourcePositions
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
        // A file without the table symbol is dismissed on its symbol table alone.
        guard names.contains(where: { !file.findSymbols(named: $0).isEmpty }) else { return empty(nil, []) }
        var findings: [Finding] = []
        let debugInfo: DebugInfo?
        do { debugInfo = try file.openDebugInfo() } catch {
            debugInfo = nil
            findings.append(Finding(path: file.path, place: ".debug_info",
                                    message: "DWARF unusable, no op names or source positions: \(error)"))
        }
        guard let table = OpsTable(file: file, symbol: options.tableSymbol, debugInfo: debugInfo) else {
            return empty(nil, findings)
        }
        var scanner = Scanner(file: file, table: table)
        var refs = try scanner.references()
        var sitesByPolicy = policies.map { scanner.sites(policy: $0, references: refs) }
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
            RelocScan(path: file.path, table: table.symbol, policy: policy, references: refs, sites: sites,
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


/// The work of one scan: references first, then sites.
struct Scanner {
    let file: ObjectFile
    let table: OpsTable
    let code: CodeReader
    var findings: [Finding] = []
    /// Per code section: offset → name of a retpoline thunk a relocation calls.
    private var thunkTargets: [Int: [UInt64: String]] = [:]
    /// The `__x86_indirect_thunk_*` symbols, found on first need.
    private var thunkSymbols: SymbolSet?

    init(file: ObjectFile, table: OpsTable) {
        self.file = file
        self.table = table
        self.code = CodeReader(file: file)
    }


    /// References below this many are decoded on the calling thread: a
    /// module's few dozen are not worth a helper.
    static let parallelThreshold = 256

    mutating func references() throws -> [Reference] {
        // Only relocations naming a table candidate become values; of those,
        // only the ones that can land in the table are decoded.
        var work: [Work] = []
        for rs in file.relocationSections where rs.targetIndex != 0 {
            guard let target = file.findSection(index: rs.targetIndex), target.isExecutable,
                  file.sections[rs.symbolTableIndex].type == .symtab else { continue }
            let relocs = try file.readRelocations(rs, against: table.candidates)
            for r in relocs where table.mayReference(r) { work.append(Work(section: target, relocation: r)) }
        }
        // Decode in contiguous chunks, one CodeReader per chunk; chunks come
        // back in order, so findings keep the order of the relocations.
        let pieces = work.count < Self.parallelThreshold ? 1 : WorkerPool.cores * 4
        let (file, table, items) = (self.file, self.table, work)
        let chunks = WorkerPool.map(WorkerPool.ranges(count: work.count, pieces: pieces)) { range in
            var decoder = ReferenceDecoder(file: file, table: table)
            var refs: [Reference] = []
            for k in range {
                if let ref = decoder.reference(items[k].relocation, in: items[k].section) { refs.append(ref) }
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
    }

    mutating func sites(policy: Policy, references refs: [Reference]) -> [Site] {
        var sites: [Site] = []
        switch policy {
        case .naive:
            for ref in refs {
                // The proposal taken literally: the relocation is the
                // disp32 of a 6-byte `ff 15` call; nothing is decoded.
                let start = ref.relocationOffset >= 2 ? ref.relocationOffset - 2 : 0
                let field = ref.op?.offset ?? 0
                sites.append(Site(section: ref.section, sectionIndex: ref.sectionIndex, offset: start,
                                  address: ref.address &- ref.offset &+ start,
                                  location: file.describe(section: ref.sectionIndex, offset: start),
                                  length: Policy.assumedLength, kind: .call, op: table.op(offset: field),
                                  clobbers: .cABI, evidence: "\(ref.relocationType) at +\(hex(ref.relocationOffset - start))",
                                  origin: ref.place))
            }
        case .decoded, .dataflow:
            for ref in refs where ref.use == .callMem || ref.use == .jmpMem {
                sites.append(Site(section: ref.section, sectionIndex: ref.sectionIndex, offset: ref.offset,
                                  address: ref.address, location: ref.location, length: ref.length,
                                  kind: ref.use == .callMem ? .call : .jmp, op: ref.op ?? table.op(offset: 0),
                                  clobbers: .cABI, evidence: ref.instruction, origin: ref.place))
            }
            if policy == .dataflow {
                sites += followed(refs, existing: Set(sites.map { Place(section: $0.sectionIndex, offset: $0.offset) }))
            }
        }
        sites.sort { ($0.sectionIndex, $0.offset) < ($1.sectionIndex, $1.offset) }
        return sites
    }

    /// Dataflow: loads and addresses followed to their calls.
    /// Sites are keyed by section and offset: in a relocatable object every
    /// section starts at address 0 (`-ffunction-sections`).
    private mutating func followed(_ refs: [Reference], existing: Set<Place>) -> [Site] {
        // Every call each load or address reaches, then one site per call:
        // a call reached by loads of different fields (gcc tail-merged or
        // cross-jumped the calls) is marked merged, with all its ops.
        var reached: [Place: [(ref: Reference, found: Dataflow.Found, section: Section)]] = [:]
        var order: [Place] = []
        for ref in refs where ref.use == .load || ref.use == .address {
            guard let reg = ref.register, let section = file.findSection(index: ref.sectionIndex) else { continue }
            let value: Dataflow.Value = ref.use == .load ? .field(ref.op?.offset ?? 0) : .table(ref.op?.offset ?? 0)
            let (_, insns) = code.functionInstructions(section: section, offset: ref.offset)
            var list = insns
            var start = list.firstIndex { $0.address == ref.address }
            if start == nil {
                // The sweep lost sync before the load: sweep from the load.
                let (_, end) = code.codeRange(section: section, offset: ref.offset)
                list = file.withBytes(of: section) { bytes in
                    X86Decoder().sweep(bytes, range: Int(ref.offset) ..< Int(end),
                                       baseAddress: file.address(of: section, offset: 0))
                }
                start = list.isEmpty ? nil : 0
            }
            guard let start else { continue }
            let found = Dataflow.follow(instructions: list, from: start, register: Register(name: reg),
                                        value: value) { insn in
                thunkRegister(insn, section: section)
            }
            for f in found {
                let place = Place(section: section.index, offset: f.instruction.address - file.address(of: section, offset: 0))
                guard !existing.contains(place) else { continue }
                if reached[place] == nil { order.append(place) }
                reached[place, default: []].append((ref, f, section))
            }
        }
        var out: [Site] = []
        for place in order {
            let all = reached[place]!
            let (ref, f, section) = all[0]
            let fields = Set(all.map(\.found.field))
            let how = ref.use == .load ? "load" : "address"
            out.append(Site(section: section.name, sectionIndex: section.index, offset: place.offset,
                            address: f.instruction.address,
                            location: file.describe(section: section.index, offset: place.offset),
                            length: f.instruction.length, kind: f.kind, op: table.op(offset: f.field),
                            clobbers: .cABI,
                            evidence: "\(how) at \(ref.location): \(ref.instruction)", origin: ref.place,
                            mergedOps: fields.count > 1 ? fields.sorted().map { table.op(offset: $0) } : [],
                            mergedOrigins: fields.count > 1 ? all.map(\.ref.place) : []))
        }
        return out
    }

    /// The register of a call or jump to `__x86_indirect_thunk_<reg>`.
    private mutating func thunkRegister(_ insn: Instruction, section: Section) -> Register? {
        guard insn.branchTarget != nil else { return nil }
        let prefix = "__x86_indirect_thunk_"
        let base = file.address(of: section, offset: 0)
        let offset = insn.address - base
        if thunkTargets[section.index] == nil {
            if thunkSymbols == nil {
                thunkSymbols = SymbolSet(file.findSymbolIndices(withPrefix: prefix), capacity: file.symbolCount)
            }
            var map: [UInt64: String] = [:]
            if let thunks = thunkSymbols, !thunks.isEmpty {
                for rs in file.relocationSections(for: section.index) {
                    for r in (try? file.readRelocations(rs, against: thunks)) ?? [] {
                        map[r.offset] = file.symbolName(index: r.symbolIndex)
                    }
                }
            }
            thunkTargets[section.index] = map
        }
        var name: String?
        for k in 1 ..< max(insn.length, 1) {
            if let n = thunkTargets[section.index]?[offset + UInt64(k)] { name = n; break }
        }
        if name == nil, !file.isRelocatable, let target = insn.branchTarget,
           let sec = file.findSection(containingAddress: target),
           let (sym, delta) = file.findFunction(section: sec.index, offset: target - sec.address), delta == 0 {
            name = sym.name
        }
        guard let name, name.hasPrefix(prefix) else { return nil }
        return Register(name: String(name.dropFirst(prefix.count)))
    }
}

/// Turns relocations into references: the anchored decode and the
/// classification. One per worker (it owns a CodeReader and its caches).
struct ReferenceDecoder {
    let file: ObjectFile
    let table: OpsTable
    let code: CodeReader
    var findings: [Finding] = []

    init(file: ObjectFile, table: OpsTable) {
        self.file = file
        self.table = table
        self.code = CodeReader(file: file)
    }


    mutating func reference(_ r: Relocation, in section: Section) -> Reference? {
        let viaGOT = r.type.isGOTRelative
        guard let anchored = code.instruction(at: r, in: section) else {
            // Keep it, counted: the decoder could not classify it.
            guard let field = table.fieldOffset(r, instructionEnd: r.offset + UInt64(r.type.width)) else { return nil }
            findings.append(Finding(path: file.path, place: file.describe(section: section.index, offset: r.offset),
                                    message: "reference to \(table.symbol) (\(r.type)) does not decode"))
            return Reference(section: section.name, sectionIndex: section.index, offset: r.offset,
                             address: file.address(of: section, offset: r.offset),
                             location: file.describe(section: section.index, offset: r.offset),
                             use: .undecodable, op: table.op(offset: field), instruction: "", length: 0,
                             relocationOffset: r.offset, relocationType: r.type.description, register: nil,
                             confirmedBySweep: false, viaGOT: viaGOT)
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
