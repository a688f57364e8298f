import X86
import ELF
import SiteModel

/// Longest plausible site. An asm site that saves all nine C-ABI
/// registers around an absolute call is 33 bytes (`push` x9, `call *abs32`,
/// `pop` x9 with REX prefixes); twice that is not a site but a bad record.
let maximumPlausibleLength = 64

/// Reads the records of one annotated-site section in a given layout and
/// turns them into sites, validating each against the bytes it points at.
/// Which layout is `FormatDetection`'s business, or `--layout`'s.
struct RecordReader {
    let file: ObjectFile
    let section: Section
    let table: OpsTable?
    /// The section's bytes and the relocations that patch them.
    let recordSection: RecordSection
    private let code: CodeReader

    /// Throws when the section's relocations cannot be read.
    init(file: ObjectFile, section: Section, table: OpsTable?) throws {
        self.file = file
        self.section = section
        self.table = table
        self.code = CodeReader(file: file)
        recordSection = try RecordSection(file: file, section: section)
    }

    private func place(_ index: Int) -> String { "\(section.name)[\(index)]" }

    struct Result {
        var records = 0
        var sites: [Site] = []
        var findings: [Finding] = []
        /// Where the records the flags filter left out point (6.8+: the
        /// other alternatives), those that resolve.
        var others: [Place] = []
    }

    /// Throws when the relocations of a section a site is in cannot be read.
    func read(layout: RecordLayout) throws -> Result {
        var result = Result()
        guard let count = layout.recordCount(sectionSize: section.size) else {
            result.findings.append(Finding(.sectionNotWholeRecords, path: file.path, place: section.name,
                                           message: "size \(section.size) is not a whole number of \(layout.stride)-byte records"))
            return result
        }
        result.records = count
        let bytes = recordSection.bytes
        for i in 0 ..< count {
            let base = i * layout.stride
            func field(_ f: RecordLayout.Field) -> UInt64? {
                guard base + f.offset + f.width <= bytes.count else { return nil }
                var v: UInt64 = 0
                for k in 0 ..< f.width { v |= UInt64(bytes[base + f.offset + k]) << (8 * UInt64(k)) }
                return v
            }
            if let flags = layout.flags {
                guard let v = field(flags), v & layout.requiredFlags == layout.requiredFlags else {
                    if let stored = field(layout.instr),
                       case .success(let (target, offset)) = resolveInstr(record: i, layout: layout, stored: stored) {
                        result.others.append(Place(section: target.index, offset: offset))
                    }
                    continue
                }
            }
            switch try site(record: i, layout: layout, field: field) {
            case .success(let (site, findings)):
                result.sites.append(site)
                result.findings += findings
            case .failure(let finding):
                result.findings.append(finding)
            }
        }
        return result
    }

    /// Where record `i`'s instruction pointer points: section and offset.
    private func resolveInstr(record i: Int, layout: RecordLayout, stored: UInt64) -> Result2<(Section, UInt64)> {
        let fieldOffset = UInt64(i * layout.stride + layout.instr.offset)
        if file.isRelocatable {
            guard let r = recordSection.relocations.find(at: fieldOffset) else {
                return .failure(Finding(.noInstructionRelocation, path: file.path, place: place(i), message: "no relocation for the instruction pointer"))
            }
            guard let sym = file.findSymbol(index: r.symbolIndex), let si = sym.definingSection,
                  let target = file.findSection(index: si), let base = file.sectionOffset(of: sym) else {
                return .failure(Finding(.instructionUndefinedSymbol, path: file.path, place: place(i),
                                        message: "instruction pointer relocated against an undefined symbol"))
            }
            // `.quad 771b` is S + A; `.long 771b - .` is S + A - P, which the
            // CPU adds back to P: either way the instruction is at S + A.
            let offset = Int64(bitPattern: base) &+ r.addend
            guard offset >= 0, UInt64(offset) < target.size else {
                return .failure(Finding(.instructionOutsideSymbol, path: file.path, place: place(i),
                                        message: "instruction pointer \(target.name)+\(hex(offset)) outside \(target.name)"))
            }
            return .success((target, UInt64(offset)))
        }
        let address: UInt64
        switch layout.pointer {
        case .absolute64: address = stored
        case .relative32:
            let rel = Int64(Int32(truncatingIfNeeded: stored))
            address = UInt64(bitPattern: Int64(bitPattern: section.address &+ fieldOffset) &+ rel)
        }
        guard let target = file.findSection(containingAddress: address), target.isExecutable else {
            return .failure(Finding(.instructionOutsideCode, path: file.path, place: place(i),
                                    message: "instruction pointer \(hex(address)) is outside every executable section"))
        }
        return .success((target, address - target.address))
    }

    private func site(record i: Int, layout: RecordLayout,
                      field: (RecordLayout.Field) -> UInt64?) throws -> Result2<(Site, [Finding])> {
        guard let stored = field(layout.instr), let len = field(layout.length) else {
            return .failure(Finding(.recordTruncated, path: file.path, place: place(i), message: "record truncated"))
        }
        let target: Section, offset: UInt64
        switch resolveInstr(record: i, layout: layout, stored: stored) {
        case .success(let (s, o)): (target, offset) = (s, o)
        case .failure(let f): return .failure(f)
        }
        let location = file.describe(section: target.index, offset: offset)
        var findings: [Finding] = []
        func warn(_ code: Finding.Code, _ message: String) {
            findings.append(Finding(code, path: file.path, place: place(i), message: "\(location): \(message)"))
        }
        if !target.isExecutable {
            return .failure(Finding(.instructionNotInCode, path: file.path, place: place(i),
                                    message: "instruction pointer \(target.name)+\(hex(offset)) is not in an executable section"))
        }
        if len == 0 { warn(.zeroLength, "length 0") }
        if len > UInt64(maximumPlausibleLength) { warn(.implausibleLength, "implausible length \(len)") }
        // The bytes must decode to instructions that end exactly at instr+len.
        let decoded = decodeSite(section: target, offset: offset, length: Int(clamping: len))
        if decoded.end != offset &+ len, len > 0 {
            if let bad = decoded.undecodable {
                warn(.bytesDoNotDecode, "bytes at +\(hex(bad - offset)) do not decode")
            } else {
                warn(.lengthMismatch, "instructions end at +\(hex(decoded.end - offset)), not at the recorded length \(len)")
            }
        }
        // The call or jump through memory inside the site: usually its only
        // instruction; hand-written asm may save registers around it.
        var branchOffset = offset
        var branch: Instruction?
        for insn in decoded.instructions {
            if (insn.operation == .call || insn.operation == .jump) && insn.memoryOperand != nil {
                branch = insn
                break
            }
            branchOffset += UInt64(insn.length)
        }
        let kind: SiteKind
        switch branch?.operation {
        case .call?: kind = .call
        case .jump?: kind = .jmp
        default: kind = .other
        }
        // The op: the type byte, or (Linux 6.8) the site's own reference.
        let referenced = try branch.flatMap { try tableReference(section: target, offset: branchOffset, instruction: $0) }
        let op: Op
        if let typeField = layout.type, let type = field(typeField) {
            op = Op(offset: Int64(truncatingIfNeeded: type) &* 8, name: nil).named(from: table?.members ?? [:])
            if let table, !table.contains(offset: op.offset) {
                warn(.typeOutsideTable, "type \(type) is outside the table \(table.symbol) (\(table.size ?? 0) bytes)")
            }
            if let referenced, referenced != op.offset {
                warn(.typeReferenceMismatch, "type \(type) (\(op)) but the instruction refers to \(Op(offset: referenced, name: table?.members[referenced]))")
            }
        } else if let referenced {
            op = Op(offset: referenced, name: table?.members[referenced])
        } else {
            warn(.noTableReference, "no reference to the ops table at the site: op unknown")
            op = Op(offset: -1, name: nil)
        }
        var clobbers: ClobberSet?
        if let cf = layout.clobbers, let raw = field(cf) {
            let set = ClobberSet(rawValue: UInt16(truncatingIfNeeded: raw))
            if set.unknownBits != 0 { warn(.unknownClobbers, "clobbers \(hex(raw)) has bits outside CLBR_ANY") }
            clobbers = set
        }
        let site = Site(section: target.name, sectionIndex: target.index, offset: offset,
                        address: file.address(of: target, offset: offset), location: location,
                        length: Int(clamping: len), kind: kind, op: op, clobbers: clobbers,
                        evidence: "\(place(i))")
        return .success((site, findings))
    }

    /// Decode the site's bytes: its instructions and where they end.
    private func decodeSite(section: Section, offset: UInt64, length: Int)
        -> (instructions: [Instruction], end: UInt64, undecodable: UInt64?) {
        var insns: [Instruction] = []
        var at = offset
        let (end, overflow) = offset.addingReportingOverflow(UInt64(max(length, 1)))
        let limit = overflow ? section.size : min(end, section.size)
        while at < limit {
            guard let insn = code.decode(section: section, offset: at, registerAccess: false) else {
                return (insns, at, at)
            }
            insns.append(insn)
            at += UInt64(insn.length)
        }
        return (insns, at, nil)
    }

    /// The table field the instruction at the site refers to: through its
    /// relocation in an object, through its RIP-relative displacement (or
    /// absolute address) in a linked image.
    private func tableReference(section: Section, offset: UInt64, instruction insn: Instruction) throws -> Int64? {
        guard let table else { return nil }
        let end = offset + UInt64(insn.length)
        if file.isRelocatable || !file.relocationSections(for: section.index).isEmpty {
            let against = try file.relocations(patching: section).all(in: offset ..< end)
            if let r = against.first(where: { table.candidates.contains($0.symbolIndex) }) {
                return table.fieldOffset(r, instructionEnd: end)
            }
            if file.isRelocatable { return nil }
        }
        // Linked image: compute the address the memory operand names.
        guard let mem = insn.memoryOperand, mem.index == nil else { return nil }
        let target: UInt64
        if mem.isRIPRelative {
            target = UInt64(bitPattern: Int64(bitPattern: insn.end) &+ mem.displacement)
        } else if mem.isAbsolute {
            target = UInt64(bitPattern: mem.displacement)
        } else {
            return nil
        }
        return table.fieldOffset(address: target)
    }
}

/// A result whose failure is a finding (not a thrown error).
enum Result2<T> {
    case success(T)
    case failure(Finding)
}
