import X86
import ELF
import SiteModel

/// Reads the records of one annotated-site section in a given layout and
/// turns them into sites, validating each against the bytes it points at.
struct RecordReader {
    let file: ObjectFile
    let section: Section
    let table: OpTable?
    private let code: CodeReader
    /// Relocations that patch the record section, by offset (objects only).
    private let recordRelocations: [UInt64: Relocation]
    /// Relocations of code sections against the table, by section then offset
    /// (built on demand for the sections that hold sites).
    private var codeRelocations: [Int: [UInt64: Relocation]] = [:]
    private let tableSymbols: Set<Int>

    init(file: ObjectFile, section: Section, table: OpTable?) {
        self.file = file
        self.section = section
        self.table = table
        self.code = CodeReader(file: file)
        var byOffset: [UInt64: Relocation] = [:]
        for rs in file.relocationSections(for: section.index) {
            for r in (try? file.readRelocations(rs)) ?? [] { byOffset[r.offset] = r }
        }
        recordRelocations = byOffset
        tableSymbols = Set(table.map { file.findSymbols(named: $0.symbol).map(\.index) } ?? [])
    }

    private func place(_ index: Int) -> String { "\(section.name)[\(index)]" }

    /// Choose a layout from the evidence, with the reason in one line; nil
    /// when the section holds no paravirt records (pre-6.8 alternatives).
    mutating func detectLayout() throws -> (RecordLayout?, String) {
        if section.name == ".altinstructions" || RecordLayout.clobbers.recordCount(sectionSize: section.size) == nil {
            return try detectAlternatives()
        }
        let bytes = file.bytes(of: section)
        let count = bytes.count / 16
        var withClobbers = 0
        for i in 0 ..< count where bytes[i * 16 + 10] != 0 || bytes[i * 16 + 11] != 0 { withClobbers += 1 }
        if withClobbers > 0 {
            return (.clobbers, "\(withClobbers) of \(count) records have a clobbers field (bytes 10-11 non-zero)")
        }
        return (.linux61, "bytes 10-11 are zero in all \(count) records: no clobbers field")
    }

    /// `.altinstructions`: 14-byte records (Linux 6.8+, paravirt sites
    /// flagged) or 12-byte ones (earlier: no paravirt sites). Each record has
    /// two PC-relative pointers, at 0 and 4, so where the relocations fall
    /// tells the stride; without relocations, the size.
    private func detectAlternatives() throws -> (RecordLayout?, String) {
        let offsets = recordRelocations.keys
        func fits(_ stride: UInt64) -> Bool {
            section.size % stride == 0 && offsets.count == Int(section.size / stride) * 2
                && offsets.allSatisfy { $0 % stride == 0 || $0 % stride == 4 }
        }
        if !offsets.isEmpty {
            if fits(14) { return (.linux68, "relocations at 0 and 4 of every 14 bytes: Linux 6.8+ alt_instr, paravirt sites flagged ALT_FLAG_DIRECT_CALL") }
            if fits(12) { return (nil, "relocations at 0 and 4 of every 12 bytes: pre-6.8 alt_instr, which holds no paravirt sites") }
        } else if section.size % 14 == 0 && section.size % 12 != 0 {
            return (.linux68, "\(section.size) bytes: a whole number of 14-byte alt_instr records only")
        } else if section.size % 12 == 0 && section.size % 14 != 0 {
            return (nil, "\(section.size) bytes: 12-byte pre-6.8 alt_instr records, no paravirt sites")
        }
        throw ObjectFileError.corruptSection(path: file.path, section: section.name,
                                             reason: "size \(section.size) and relocations fit no known record layout; give --layout")
    }

    struct Result {
        var records = 0
        var sites: [Site] = []
        var findings: [Finding] = []
    }

    mutating func read(layout: RecordLayout) -> Result {
        var result = Result()
        guard let count = layout.recordCount(sectionSize: section.size) else {
            result.findings.append(Finding(path: file.path, place: section.name,
                                           message: "size \(section.size) is not a whole number of \(layout.stride)-byte records"))
            return result
        }
        result.records = count
        let bytes = file.bytes(of: section)
        for i in 0 ..< count {
            let base = i * layout.stride
            func field(_ f: RecordLayout.Field) -> UInt64? {
                guard base + f.offset + f.width <= bytes.count else { return nil }
                var v: UInt64 = 0
                for k in 0 ..< f.width { v |= UInt64(bytes[base + f.offset + k]) << (8 * UInt64(k)) }
                return v
            }
            if let flags = layout.flags {
                guard let v = field(flags), v & layout.requiredFlags == layout.requiredFlags else { continue }
            }
            switch site(record: i, layout: layout, field: field) {
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
            guard let r = recordRelocations[fieldOffset] else {
                return .failure(Finding(path: file.path, place: place(i), message: "no relocation for the instruction pointer"))
            }
            guard let sym = file.findSymbol(index: r.symbolIndex), let si = sym.definingSection,
                  let target = file.findSection(index: si), let base = file.sectionOffset(of: sym) else {
                return .failure(Finding(path: file.path, place: place(i),
                                        message: "instruction pointer relocated against an undefined symbol"))
            }
            // `.quad 771b` is S + A; `.long 771b - .` is S + A - P, which the
            // CPU adds back to P: either way the instruction is at S + A.
            let offset = Int64(bitPattern: base) &+ r.addend
            guard offset >= 0, UInt64(offset) < target.size else {
                return .failure(Finding(path: file.path, place: place(i),
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
            return .failure(Finding(path: file.path, place: place(i),
                                    message: "instruction pointer \(hex(address)) is outside every executable section"))
        }
        return .success((target, address - target.address))
    }

    private mutating func site(record i: Int, layout: RecordLayout,
                               field: (RecordLayout.Field) -> UInt64?) -> Result2<(Site, [Finding])> {
        guard let stored = field(layout.instr), let len = field(layout.length) else {
            return .failure(Finding(path: file.path, place: place(i), message: "record truncated"))
        }
        let target: Section, offset: UInt64
        switch resolveInstr(record: i, layout: layout, stored: stored) {
        case .success(let (s, o)): (target, offset) = (s, o)
        case .failure(let f): return .failure(f)
        }
        let location = file.describe(section: target.index, offset: offset)
        var findings: [Finding] = []
        func warn(_ message: String) { findings.append(Finding(path: file.path, place: place(i), message: "\(location): \(message)")) }
        if !target.isExecutable {
            return .failure(Finding(path: file.path, place: place(i),
                                    message: "instruction pointer \(target.name)+\(hex(offset)) is not in an executable section"))
        }
        if len == 0 { warn("length 0") }
        if len > UInt64(maximumPlausibleLength) { warn("implausible length \(len)") }
        // The bytes must decode to instructions that end exactly at instr+len.
        let decoded = decodeSite(section: target, offset: offset, length: Int(clamping: len))
        if decoded.end != offset &+ len, len > 0 {
            if let bad = decoded.undecodable {
                warn("bytes at +\(hex(bad - offset)) do not decode")
            } else {
                warn("instructions end at +\(hex(decoded.end - offset)), not at the recorded length \(len)")
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
        let referenced = branch.flatMap { tableReference(section: target, offset: branchOffset, instruction: $0) }
        let op: Op
        if let typeField = layout.type, let type = field(typeField) {
            op = table?.op(type: Int64(truncatingIfNeeded: type))
                ?? Op(offset: Int64(truncatingIfNeeded: type) &* 8, name: "type \(type)")
            if let table, !table.contains(offset: op.offset) {
                warn("type \(type) is outside the table \(table.symbol) (\(table.size ?? 0) bytes)")
            }
            if let referenced, referenced != op.offset {
                warn("type \(type) (\(op.name)) but the instruction refers to \(table?.op(offset: referenced).name ?? hex(referenced))")
            }
        } else if let referenced {
            op = table?.op(offset: referenced) ?? Op(offset: referenced, name: "+" + hex(referenced))
        } else {
            warn("no reference to the ops table at the site: op unknown")
            op = Op(offset: -1, name: "unknown")
        }
        var clobbers: ClobberSet?
        if let cf = layout.clobbers, let raw = field(cf) {
            let set = ClobberSet(rawValue: UInt16(truncatingIfNeeded: raw))
            if set.unknownBits != 0 { warn("clobbers \(hex(raw)) has bits outside CLBR_ANY") }
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
    private mutating func tableReference(section: Section, offset: UInt64, instruction insn: Instruction) -> Int64? {
        guard let table else { return nil }
        let end = offset + UInt64(insn.length)
        if file.isRelocatable || !file.relocationSections(for: section.index).isEmpty {
            if codeRelocations[section.index] == nil {
                var map: [UInt64: Relocation] = [:]
                let filter = SymbolSet(tableSymbols, capacity: file.symbolCount)
                for rs in file.relocationSections(for: section.index) {
                    for r in (try? file.readRelocations(rs, against: filter)) ?? [] { map[r.offset] = r }
                }
                codeRelocations[section.index] = map
            }
            let relocs = codeRelocations[section.index]!
            var at = offset
            while at < end {
                if let r = relocs[at] { return r.referencedOffset(instructionEnd: end) }
                at += 1
            }
            if file.isRelocatable { return nil }
        }
        // Linked image: compute the address the memory operand names.
        guard let mem = insn.memoryOperand, mem.index == nil,
              let sym = file.findSymbols(named: table.symbol).first(where: \.isDefined) else { return nil }
        let target: UInt64
        if mem.isRIPRelative {
            target = UInt64(bitPattern: Int64(bitPattern: insn.end) &+ mem.displacement)
        } else if mem.isAbsolute {
            target = UInt64(bitPattern: mem.displacement)
        } else {
            return nil
        }
        let delta = Int64(bitPattern: target &- sym.value)
        return table.contains(offset: delta) ? delta : nil
    }
}

/// A result whose failure is a finding (not a thrown error).
enum Result2<T> {
    case success(T)
    case failure(Finding)
}
