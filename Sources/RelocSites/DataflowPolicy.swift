// Strategy: dataflow, follow the op from its load to the call.
//
// First the decoded sites. Then every load of a field into a register
// (`mov table+off(%rip), %reg`) and every address of the table in a
// register (`lea`, a GOT load, `mov $table, %reg`) is followed forward
// through its function (Dataflow): through copies, `add $n`, loads through
// the table's address, both ways of each branch, into a switch's cases
// (its jump table read through relocations, JumpTables), until the register is
// overwritten or reaches `call *%reg`, `call *disp(%reg)`, a jump through
// either, or `call __x86_indirect_thunk_<reg>`. That instruction is a site
// of its own length (2 or 3 bytes for a register call, 5 for a thunk call:
// too short to patch in place, and the comparison says so); a place already
// found by decoded is not reported twice, and a call reached by loads of
// several ops (tail-merged, cross-jumped) is one site marked merged.
import X86
import ELF
import SiteModel

/// `Policy.dataflow`: decoded, plus the calls that loads and addresses reach.
/// Owns a CodeReader (function sweeps) and the retpoline thunk lookup.
struct DataflowPolicy {
    let file: ObjectFile
    let table: OpsTable
    let code: CodeReader
    /// The retpoline thunks, found on first need.
    private var thunks: RetpolineThunks?
    private let jumpTables: JumpTables

    init(file: ObjectFile, table: OpsTable) {
        self.file = file
        self.table = table
        self.code = CodeReader(file: file)
        self.jumpTables = JumpTables(file: file)
    }

    /// Throws when the relocations of a section the walk reads cannot be read.
    mutating func sites(_ refs: [Reference]) throws -> [Site] {
        let decoded = DecodedPolicy(table: table).sites(refs)
        return decoded + (try followed(refs, existing: Set(decoded.map { Place(section: $0.sectionIndex, offset: $0.offset) })))
    }

    /// Loads and addresses followed to their calls. Sites are keyed by
    /// section and offset: in a relocatable object every section starts at
    /// address 0 (`-ffunction-sections`).
    private mutating func followed(_ refs: [Reference], existing: Set<Place>) throws -> [Site] {
        // Every call each load or address reaches, then one site per call:
        // a call reached by loads of different fields (gcc tail-merged or
        // cross-jumped the calls) is marked merged, with all its ops.
        var reached: [Place: [(ref: Reference, found: Dataflow.Found, section: Section)]] = [:]
        var order: [Place] = []
        for ref in refs where ref.target == .table && (ref.use == .load || ref.use == .address) {
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
            let found = try Dataflow.follow(instructions: list, from: start, register: Register(name: reg), value: value,
                                            thunkRegister: { insn in try thunkRegister(insn, section: section) },
                                            switchTargets: { i in try jumpTables.targets(list, at: i, section: section) },
                                            branch: { insn in try branch(insn, section: section) })
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

    /// Where a direct jump goes (Dataflow.Branch). In an object, a jump
    /// whose displacement is relocated leaves the function, unless the
    /// relocation is against `.altinstr_aux`; in an image, a jump whose
    /// target lies in `.altinstr_aux` falls through.
    private func branch(_ insn: Instruction, section: Section) throws -> Dataflow.Branch {
        guard let target = insn.branchTarget, insn.length > 1 else { return .target }
        let aux = { (index: Int?) in index.flatMap { file.findSection(index: $0) }?.name == ".altinstr_aux" }
        guard file.isRelocatable else {
            return aux(file.findSection(containingAddress: target)?.index) ? .fallsThrough : .target
        }
        let offset = insn.address - file.address(of: section, offset: 0)
        guard let r = try file.relocations(patching: section).find(in: offset + 1 ..< offset + UInt64(insn.length)) else {
            return .target
        }
        return aux(file.findSymbol(index: r.symbolIndex)?.definingSection) ? .fallsThrough : .leaves
    }

    /// The register of a call or jump to `__x86_indirect_thunk_<reg>`.
    private mutating func thunkRegister(_ insn: Instruction, section: Section) throws -> Register? {
        guard insn.branchTarget != nil else { return nil }
        if thunks == nil { thunks = RetpolineThunks(file: file) }
        return try thunks!.register(of: insn, in: section)
    }
}
