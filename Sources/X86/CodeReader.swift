import ELF

/// Which encoded field of an instruction a relocation patches.
public enum RelocatedField: String, Sendable, Codable {
    case displacement, immediate
}

/// An instruction found by anchoring the decode at a relocation.
/// `instruction` has its operands but not its register-access sets (the
/// anchor decodes many candidates; data flow uses `functionInstructions`).
public struct AnchoredInstruction: Sendable {
    public let instruction: Instruction
    /// Offset of the instruction's first byte in its section.
    public let offset: UInt64
    public let field: RelocatedField
    /// True when a linear sweep from the function start reaches the same
    /// instruction boundary; false when only the anchor vouches for it
    /// (the sweep lost sync on data or alternatives in text, or no symbol
    /// says where code starts).
    public let confirmedBySweep: Bool
}

/// Reads code of one file: single instructions, linear sweeps of whole
/// functions (cached), and instructions anchored at relocations.
///
/// Anchoring, not sweeping, is the primary way to find the instruction that
/// holds a relocation: data, jump tables and alternatives in text throw a
/// sweep out of step (this is how `objdump -dr` loses real sites). Every
/// start from 1 to 14 bytes before the relocation is tried; a start counts
/// only if the relocated bytes are exactly the instruction's displacement or
/// immediate, checked by perturbing those bytes and decoding again (like
/// recordmcount's "confirm we have 0xe8 0 0 0 0", but for any form). Where
/// several starts qualify, the one a sweep from the function start reaches
/// wins; without one, the latest start, widened over `notrack`/`cs` hint
/// prefixes.
///
/// Not thread-safe: one reader per worker.
public final class CodeReader {
    public let file: ObjectFile
    private let decoder = X86Decoder()
    private var sweeps: [SweepKey: [Instruction]] = [:]
    private var starts: [SweepKey: Set<Int>] = [:]
    /// Length-only sweeps from a function start, decoded only as far as a
    /// relocation has needed so far (most sites are early in big functions).
    private var prefixSweeps: [SweepKey: PrefixSweep] = [:]

    /// A sweep from a code start to the section's end, done lazily.
    private struct PrefixSweep {
        /// Instruction starts, ascending and contiguous: each instruction
        /// ends where the next starts (the last ends at `next`).
        var starts: [Int] = []
        var next: Int
        /// No more instructions: undecodable bytes or the section's end.
        var stopped = false
    }

    private struct SweepKey: Hashable {
        let section: Int
        let start: UInt64
    }

    public init(file: ObjectFile) {
        self.file = file
    }

    /// The instruction at `offset` in `section`. `registerAccess: false`
    /// skips the registers read and written (half the cost).
    public func decode(section: Section, offset: UInt64, registerAccess: Bool = true) -> Instruction? {
        file.withBytes(of: section) { code in
            decoder.decode(code, at: Int(offset), address: file.address(of: section, offset: offset),
                           registerAccess: registerAccess)
        }
    }

    /// The sweep of the function (or labelled region) containing `offset`:
    /// its start offset and instructions, cached.
    public func functionInstructions(section: Section, offset: UInt64) -> (start: UInt64, instructions: [Instruction]) {
        let (start, end) = codeRange(section: section, offset: offset)
        let key = SweepKey(section: section.index, start: start)
        if let cached = sweeps[key] { return (start, cached) }
        let insns = file.withBytes(of: section) { code in
            decoder.sweep(code, range: Int(start) ..< Int(end), baseAddress: file.address(of: section, offset: 0))
        }
        sweeps[key] = insns
        return (start, insns)
    }

    /// Instruction starts (section offsets) of a sweep of the function
    /// containing `offset`: lengths only, cached.
    public func instructionStarts(section: Section, offset: UInt64) -> Set<Int> {
        let (start, end) = codeRange(section: section, offset: offset)
        let key = SweepKey(section: section.index, start: start)
        if let cached = starts[key] { return cached }
        let set = file.withBytes(of: section) { Set(decoder.boundaries($0, range: Int(start) ..< Int(end))) }
        starts[key] = set
        return set
    }

    /// The last instruction start in `[lowest, below)` of the sweep of the
    /// code range around `offset` (what `instructionStarts` would contain),
    /// sweeping no further than `below`.
    ///
    /// The sweep is kept per code start and continued on demand up to the
    /// section's end; the range's own end is applied afterwards: a sweep
    /// bounded at `end` keeps exactly the instructions that end by `end`
    /// (a prefix: they are contiguous). So the answer does not depend on
    /// which relocation of a function came first, or on which worker.
    private func sweepStart(section: Section, offset: UInt64, below r: Int, lowest: Int) -> Int? {
        let (start, end) = codeRange(section: section, offset: offset)
        let key = SweepKey(section: section.index, start: start)
        var sweep = prefixSweeps[key] ?? PrefixSweep(next: Int(start))
        if !sweep.stopped && sweep.next < r {
            let (next, stopped) = file.withBytes(of: section) { code in
                decoder.continueBoundaries(code, from: sweep.next, limit: code.count, until: r, into: &sweep.starts)
            }
            sweep.next = next
            sweep.stopped = stopped
            prefixSweeps[key] = sweep
        } else if prefixSweeps[key] == nil {
            prefixSweeps[key] = sweep
        }
        // Last start below r.
        var lo = 0, hi = sweep.starts.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if sweep.starts[mid] < r { lo = mid + 1 } else { hi = mid }
        }
        var k = lo - 1
        while k >= 0, sweep.starts[k] >= lowest {
            let instructionEnd = k + 1 < sweep.starts.count ? sweep.starts[k + 1] : sweep.next
            if instructionEnd <= Int(end) { return sweep.starts[k] }
            k -= 1
        }
        return nil
    }

    /// Where the code around `offset` starts and ends: the containing
    /// function; for a place no symbol covers, the whole of a small section
    /// (`.altinstr_replacement`) or, in a big one, the 15 bytes before
    /// `offset` to at most 4 KiB after it (no sweep can vouch for it).
    public func codeRange(section: Section, offset: UInt64) -> (UInt64, UInt64) {
        if let (_, size, delta) = file.findFunctionExtent(section: section.index, offset: offset) {
            // The symbol comes from the file: clamp to the section, never overflow.
            let start = min(offset - delta, section.size)
            let (symbolEnd, overflow) = start.addingReportingOverflow(size)
            let end = size > 0 && !overflow ? min(symbolEnd, section.size) : section.size
            return (start, max(end, offset < section.size ? min(offset + 16, section.size) : section.size))
        }
        if section.size <= 1 << 16 { return (0, section.size) }
        // Unnamed code in a big section (an overridden weak function in
        // vmlinux): from the previous function's end, where a sweep is in
        // step, rather than a guess 15 bytes back.
        if let (start, next) = file.findUnnamedCodeExtent(section: section.index, offset: offset),
           offset - start <= 1 << 16 {
            let end = min(next ?? section.size, start + (1 << 16), section.size)
            return (start, max(end, min(offset + 16, section.size)))
        }
        return (offset >= 15 ? offset - 15 : 0, min(offset + 4096, section.size))
    }

    /// True when a symbol says where the code around `offset` starts, or the
    /// section is small enough to sweep whole.
    private func hasKnownStart(section: Section, offset: UInt64) -> Bool {
        file.findFunctionExtent(section: section.index, offset: offset) != nil || section.size <= 1 << 16
    }

    /// The instruction that holds `relocation` (applied to `section`), with
    /// the field it patches; nil when no start makes the relocated bytes a
    /// displacement or immediate of a valid instruction.
    public func instruction(at relocation: Relocation, in section: Section) -> AnchoredInstruction? {
        let width = relocation.type.width
        guard width > 0, relocation.offset + UInt64(width) <= section.size else { return nil }
        let r = Int(relocation.offset)
        let (codeStart, _) = codeRange(section: section, offset: relocation.offset)
        let lowest = max(Int(codeStart), r - 14)
        // Fast path: the sweep's instruction that covers the relocation; a
        // sweep never overlaps itself, so no other sweep start can hold it.
        if hasKnownStart(section: section, offset: relocation.offset) {
            if let s = sweepStart(section: section, offset: relocation.offset, below: r, lowest: lowest) {
                let hit = file.withBytes(of: section) { code in
                    verify(code, start: s, field: r, width: width, type: relocation.type,
                           address: file.address(of: section, offset: UInt64(s)))
                }
                if let (insn, field) = hit {
                    return AnchoredInstruction(instruction: insn, offset: UInt64(s), field: field, confirmedBySweep: true)
                }
            }
        }
        // The sweep lost sync (or there is none): every start the anchor allows.
        var candidates: [(Int, Instruction, RelocatedField)] = []
        file.withBytes(of: section) { code in
            var s = r - 1
            while s >= lowest {
                if let (insn, field) = verify(code, start: s, field: r, width: width, type: relocation.type,
                                              address: file.address(of: section, offset: UInt64(s))) {
                    candidates.append((s, insn, field))
                }
                s -= 1
            }
        }
        guard !candidates.isEmpty else { return nil }
        // Latest start; widen over hint prefixes a compiler emits on purpose:
        // cs (2e) before a thunk call or an indirect branch, notrack (3e)
        // before an indirect jump only (gcc's -fcf-protection puts it on a
        // switch's `jmp *`, never on a call). Any other 3e byte ends the
        // previous instruction (`mov (%rsi),%rdi` is 48 8b 3e): before a
        // direct call, and before `call *pv_ops+off(%rip)` in the kernel's
        // mm/gup.o, where widening made a 7-byte site out of the mov's last
        // byte and the call, and a record over it corrupted the mov.
        var best = candidates[0]
        let notrackAllowed = Self.isIndirectJump(best.1.bytes)
        for c in candidates.dropFirst() {
            let extra = best.0 - c.0
            let prefixBytes = c.1.bytes.prefix(extra)
            if prefixBytes.allSatisfy({ $0 == 0x2e || ($0 == 0x3e && notrackAllowed) }) { best = c } else { break }
        }
        return AnchoredInstruction(instruction: best.1, offset: UInt64(best.0), field: best.2, confirmedBySweep: false)
    }

    /// `ff /4` (after hint prefixes and REX): `jmp *r/m`, the only
    /// instruction gcc gives a notrack prefix.
    static func isIndirectJump(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i < bytes.count, bytes[i] == 0x2e || bytes[i] == 0x3e || (0x40 ... 0x4f).contains(bytes[i]) { i += 1 }
        guard i + 1 < bytes.count, bytes[i] == 0xff else { return false }
        return (bytes[i + 1] >> 3) & 7 == 4
    }

    /// Decode at `start` and check that bytes `[field, field+width)` are
    /// exactly one displacement or immediate of the instruction.
    private func verify(_ code: UnsafeRawBufferPointer, start: Int, field: Int, width: Int,
                        type: RelocationType, address: UInt64) -> (Instruction, RelocatedField)? {
        guard let a = decoder.decode(code, at: start, address: address, registerAccess: false),
              start + a.length >= field + width else { return nil }
        var flipped = a.bytes
        for k in (field - start) ..< (field - start + width) { flipped[k] ^= 0xA5 }
        guard let b = decoder.decode(flipped, address: address, registerAccess: false), b.length == a.length,
              decoder.hasSameOpcode(a, b), b.operands.count == a.operands.count else { return nil }
        let original = Self.fieldValue(a.bytes, at: field - start, width: width)
        let perturbed = Self.fieldValue(flipped, at: field - start, width: width)
        var found: RelocatedField?
        var pcRelative = false
        for (x, y) in zip(a.operands, b.operands) {
            switch (x.kind, y.kind) {
            case (.register(let r1), .register(let r2)):
                guard r1 == r2 else { return nil }
            case (.memory(let m1), .memory(let m2)):
                guard m1.base == m2.base, m1.index == m2.index, m1.scale == m2.scale,
                      m1.segment == m2.segment else { return nil }
                if m1.displacement != m2.displacement {
                    guard found == nil, Self.matches(m1.displacement, original, width),
                          Self.matches(m2.displacement, perturbed, width) else { return nil }
                    found = .displacement
                    pcRelative = m1.isRIPRelative
                }
            case (.immediate(var v1), .immediate(var v2)):
                if v1 != v2 {
                    if a.branchTarget != nil {
                        // Relative branches report the target; the field is target - end.
                        v1 = v1 &- Int64(bitPattern: a.end)
                        v2 = v2 &- Int64(bitPattern: b.end)
                    }
                    guard found == nil, Self.matches(v1, original, width, operandSize: x.size),
                          Self.matches(v2, perturbed, width, operandSize: y.size) else { return nil }
                    found = .immediate
                    pcRelative = a.branchTarget != nil
                }
            default:
                return nil
            }
        }
        guard let found else { return nil }
        // A PC-relative relocation can only be a RIP-relative displacement or
        // a branch offset, an absolute one neither: `ff 15 <pc32>` is a call,
        // not `adc $imm32, %eax` one byte later.
        let wantsPC = type.isPCRelative || type.isGOTRelative && type != .got32 && type != .got64
        guard wantsPC == pcRelative else { return nil }
        return (a, found)
    }

    private static func fieldValue(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0 ..< width { v |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
        return v
    }

    /// Does a decoded value equal the field's bytes, sign- or zero-extended
    /// (capstone reports some immediates at the operand's size)?
    private static func matches(_ decoded: Int64, _ raw: UInt64, _ width: Int, operandSize: Int = 8) -> Bool {
        let bits = UInt64(width * 8)
        let zext = bits >= 64 ? raw : raw & ((1 << bits) - 1)
        let sext = bits >= 64 ? raw : UInt64(bitPattern: (Int64(bitPattern: zext << (64 - bits))) >> (64 - bits))
        let d = UInt64(bitPattern: decoded)
        if d == zext || d == sext { return true }
        // An immediate sign-extended to a smaller operand (`movl $-1`).
        if operandSize > 0 && operandSize < 8 {
            let mask: UInt64 = (1 << UInt64(operandSize * 8)) - 1
            return d & mask == sext & mask
        }
        return false
    }
}
