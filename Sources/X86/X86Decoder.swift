import ELF
import CCapstone

/// The only file that knows capstone: decodes x86-64 bytes into
/// `Instruction` values. A decoder holds a capstone handle and a scratch
/// instruction, so it is cheap to reuse and must not be shared between
/// threads: make one per worker.
public final class X86Decoder {
    private var handle: csh = 0
    private let scratch: UnsafeMutablePointer<cs_insn>
    /// A second handle without operand detail: lengths only, several times
    /// faster, for sweeps that only want instruction boundaries.
    private var lengthHandle: csh = 0
    private let lengthScratch: UnsafeMutablePointer<cs_insn>
    private var registerNames: [UInt32: Register] = [:]

    public init() {
        var h: csh = 0
        // Capstone is linked in; cs_open can only fail on a broken installation.
        let err = cs_open(CS_ARCH_X86, CS_MODE_64, &h)
        precondition(err == CS_ERR_OK, "capstone: cs_open failed (\(err))")
        cs_option(h, CS_OPT_DETAIL, size_t(CS_OPT_ON.rawValue))
        cs_option(h, CS_OPT_SYNTAX, size_t(CS_OPT_SYNTAX_ATT.rawValue))
        handle = h
        scratch = cs_malloc(h)
        var l: csh = 0
        precondition(cs_open(CS_ARCH_X86, CS_MODE_64, &l) == CS_ERR_OK, "capstone: cs_open failed")
        lengthHandle = l
        lengthScratch = cs_malloc(l)
    }

    deinit {
        cs_free(scratch, 1)
        cs_close(&handle)
        cs_free(lengthScratch, 1)
        cs_close(&lengthHandle)
    }

    /// Offsets of the instruction starts of a linear sweep of `code[range]`,
    /// stopping at the first byte that does not decode.
    public func boundaries(_ code: UnsafeRawBufferPointer, range: Range<Int>) -> [Int] {
        guard let base = code.baseAddress, range.lowerBound >= 0, range.upperBound <= code.count else { return [] }
        var out: [Int] = []
        var ptr: UnsafePointer<UInt8>? = (base + range.lowerBound).assumingMemoryBound(to: UInt8.self)
        var size = range.count
        var addr = UInt64(range.lowerBound)
        while size > 0 {
            let at = Int(addr)
            guard cs_disasm_iter(lengthHandle, &ptr, &size, &addr, lengthScratch) else { break }
            out.append(at)
        }
        return out
    }

    /// Continues a linear sweep of `code[..<limit]` from `from`: appends
    /// instruction starts to `starts` until the next start is at or past
    /// `until`, or a byte does not decode. Returns where the sweep goes on
    /// and whether it stopped for good (undecodable bytes or `limit`).
    public func continueBoundaries(_ code: UnsafeRawBufferPointer, from: Int, limit: Int, until: Int,
                                   into starts: inout [Int]) -> (next: Int, stopped: Bool) {
        guard let base = code.baseAddress, from >= 0, limit <= code.count, from < limit else {
            return (from, true)
        }
        var ptr: UnsafePointer<UInt8>? = (base + from).assumingMemoryBound(to: UInt8.self)
        var size = limit - from
        var addr = UInt64(from)
        while Int(addr) < until {
            if size == 0 { return (Int(addr), true) }
            let at = Int(addr)
            guard cs_disasm_iter(lengthHandle, &ptr, &size, &addr, lengthScratch) else { return (at, true) }
            starts.append(at)
        }
        return (Int(addr), size == 0)
    }

    /// Decode one instruction at `offset` of `code`; `address` is what the
    /// instruction's first byte is called. Nil when the bytes are not a valid
    /// instruction.
    /// `registerAccess: false` leaves `registersRead`/`registersWritten`
    /// empty: half the cost, for callers that only look at operands.
    public func decode(_ code: UnsafeRawBufferPointer, at offset: Int, address: UInt64,
                       registerAccess: Bool = true) -> Instruction? {
        guard offset >= 0, offset < code.count, let base = code.baseAddress else { return nil }
        var ptr: UnsafePointer<UInt8>? = (base + offset).assumingMemoryBound(to: UInt8.self)
        var size = code.count - offset
        var addr = address
        guard cs_disasm_iter(handle, &ptr, &size, &addr, scratch) else { return nil }
        return makeInstruction(scratch, registerAccess: registerAccess)
    }

    /// Decode from a byte array (tests, small snippets).
    public func decode(_ bytes: [UInt8], address: UInt64 = 0, registerAccess: Bool = true) -> Instruction? {
        bytes.withUnsafeBytes { decode($0, at: 0, address: address, registerAccess: registerAccess) }
    }

    /// Linear sweep of `code[range]`: stops at the end or at the first byte
    /// that does not decode (reported as the last element's end).
    public func sweep(_ code: UnsafeRawBufferPointer, range: Range<Int>, baseAddress: UInt64) -> [Instruction] {
        var out: [Instruction] = []
        var offset = range.lowerBound
        while offset < range.upperBound {
            let bounded = UnsafeRawBufferPointer(rebasing: code[..<range.upperBound])
            guard let insn = decode(bounded, at: offset, address: baseAddress + UInt64(offset)) else { break }
            out.append(insn)
            offset += insn.length
        }
        return out
    }

    private func register(_ id: UInt32) -> Register? {
        guard id != 0 else { return nil }
        if let r = registerNames[id] { return r }
        guard let cname = cs_reg_name(handle, id) else { return nil }
        let r = Register(name: String(cString: cname))
        registerNames[id] = r
        return r
    }

    private func makeInstruction(_ insn: UnsafeMutablePointer<cs_insn>, registerAccess: Bool) -> Instruction {
        let count = Int(insn.pointee.size)
        let bytes = withUnsafeBytes(of: insn.pointee.bytes) { Array($0.prefix(count)) }
        let mnemonic = String(cString: pv_cs_mnemonic(insn))
        let opText = String(cString: pv_cs_op_str(insn))
        var operands: [Operand] = []
        var opCount = 0
        if let x = pv_cs_x86(insn) { opCount = Int(x.pointee.op_count) }
        for i in 0 ..< opCount {
            guard let op = pv_cs_x86_operand(insn, UInt32(i))?.pointee else { continue }
            let kind: Operand.Kind
            switch op.type {
            case X86_OP_REG:
                guard let r = register(op.reg.rawValue) else { continue }
                kind = .register(r)
            case X86_OP_IMM:
                kind = .immediate(op.imm)
            case X86_OP_MEM:
                kind = .memory(MemoryOperand(segment: register(op.mem.segment.rawValue),
                                             base: register(op.mem.base.rawValue),
                                             index: register(op.mem.index.rawValue),
                                             scale: Int(op.mem.scale), displacement: op.mem.disp))
            default:
                continue
            }
            operands.append(Operand(kind: kind, size: Int(op.size), access: Operand.Access(rawValue: op.access & 3)))
        }
        var prefixes: [UInt8] = []
        for i in 0 ..< 4 {
            let p = pv_cs_x86_prefix(insn, UInt32(i))
            if p != 0 { prefixes.append(p) }
        }
        var groups = Set<UInt8>()
        for i in 0 ..< Int(pv_cs_groups_count(insn)) { groups.insert(pv_cs_group(insn, UInt32(i))) }
        let (reads, writes) = registerAccess ? accessedRegisters(insn) : ([], [])
        return Instruction(address: insn.pointee.address, bytes: bytes, mnemonic: mnemonic, operandText: opText,
                           operation: operation(id: insn.pointee.id, groups: groups,
                                                lockOrRep: pv_cs_x86_prefix(insn, 0), operands: operands),
                           operands: operands, prefixes: prefixes, registersRead: reads, registersWritten: writes)
    }

    /// The generic operation, from capstone's instruction id and groups.
    ///
    /// The families are the ids whose AT&T mnemonics start with `mov`,
    /// `lea`, `cmp`, `test`, `add` and `push` (checked against every
    /// one-byte, 0f, 0f38 and 0f3a opcode under every legacy prefix, REX and
    /// ModRM byte): `cmov` is not a move, `leave` not a lea. capstone
    /// reports a lock or rep prefix in `prefix[0]` exactly when it prints
    /// one (`lock cmpxchgq`, `rep movsq`, `xacquire lock addl`); such an
    /// instruction is an atomic or repeated memory operation, not the plain
    /// form, and is `.other`.
    private func operation(id: UInt32, groups: Set<UInt8>, lockOrRep: UInt8,
                           operands: [Operand]) -> Instruction.Operation {
        if groups.contains(UInt8(CS_GRP_CALL.rawValue)) { return .call }
        if groups.contains(UInt8(CS_GRP_RET.rawValue)) { return .ret }
        if groups.contains(UInt8(CS_GRP_JUMP.rawValue)) {
            return id == X86_INS_JMP.rawValue || id == X86_INS_LJMP.rawValue ? .jump : .conditionalJump
        }
        switch id {
        case X86_INS_UD2.rawValue, X86_INS_INT3.rawValue, X86_INS_HLT.rawValue: return .trap
        case X86_INS_ENDBR64.rawValue, X86_INS_ENDBR32.rawValue: return .endbr
        case X86_INS_NOP.rawValue: return .nop
        default: break
        }
        if groups.contains(UInt8(CS_GRP_INT.rawValue)) { return .interrupt }
        guard lockOrRep == 0 else { return .other }
        switch id {
        case X86_INS_LEA.rawValue:
            return .lea
        case X86_INS_CMP.rawValue, X86_INS_TEST.rawValue,
             X86_INS_CMPSB.rawValue, X86_INS_CMPSW.rawValue, X86_INS_CMPSD.rawValue, X86_INS_CMPSQ.rawValue,
             X86_INS_CMPSS.rawValue, X86_INS_CMPPS.rawValue, X86_INS_CMPPD.rawValue,
             // SSE compares with a predicate of 0-7 get an id of their own (`cmpeqps`).
             X86_INS_CMPEQSS.rawValue, X86_INS_CMPLTSS.rawValue, X86_INS_CMPLESS.rawValue, X86_INS_CMPUNORDSS.rawValue,
             X86_INS_CMPNEQSS.rawValue, X86_INS_CMPNLTSS.rawValue, X86_INS_CMPNLESS.rawValue, X86_INS_CMPORDSS.rawValue,
             X86_INS_CMPEQSD.rawValue, X86_INS_CMPLTSD.rawValue, X86_INS_CMPLESD.rawValue, X86_INS_CMPUNORDSD.rawValue,
             X86_INS_CMPNEQSD.rawValue, X86_INS_CMPNLTSD.rawValue, X86_INS_CMPNLESD.rawValue, X86_INS_CMPORDSD.rawValue,
             X86_INS_CMPEQPS.rawValue, X86_INS_CMPLTPS.rawValue, X86_INS_CMPLEPS.rawValue, X86_INS_CMPUNORDPS.rawValue,
             X86_INS_CMPNEQPS.rawValue, X86_INS_CMPNLTPS.rawValue, X86_INS_CMPNLEPS.rawValue, X86_INS_CMPORDPS.rawValue,
             X86_INS_CMPEQPD.rawValue, X86_INS_CMPLTPD.rawValue, X86_INS_CMPLEPD.rawValue, X86_INS_CMPUNORDPD.rawValue,
             X86_INS_CMPNEQPD.rawValue, X86_INS_CMPNLTPD.rawValue, X86_INS_CMPNLEPD.rawValue, X86_INS_CMPORDPD.rawValue,
             X86_INS_CMPXCHG.rawValue, X86_INS_CMPXCHG8B.rawValue, X86_INS_CMPXCHG16B.rawValue:
            return .compare
        case X86_INS_ADD.rawValue, X86_INS_ADDPD.rawValue, X86_INS_ADDPS.rawValue, X86_INS_ADDSD.rawValue,
             X86_INS_ADDSS.rawValue, X86_INS_ADDSUBPD.rawValue, X86_INS_ADDSUBPS.rawValue:
            return .add
        case X86_INS_PUSH.rawValue, X86_INS_PUSHF.rawValue, X86_INS_PUSHFQ.rawValue, X86_INS_PUSHFD.rawValue,
             X86_INS_PUSHAL.rawValue, X86_INS_PUSHAW.rawValue:
            return .push
        case X86_INS_MOV.rawValue, X86_INS_MOVABS.rawValue, X86_INS_MOVZX.rawValue, X86_INS_MOVSX.rawValue,
             X86_INS_MOVSXD.rawValue, X86_INS_MOVBE.rawValue, X86_INS_MOVNTI.rawValue,
             X86_INS_MOVSB.rawValue, X86_INS_MOVSW.rawValue, X86_INS_MOVSD.rawValue, X86_INS_MOVSQ.rawValue,
             X86_INS_MOVD.rawValue, X86_INS_MOVQ.rawValue, X86_INS_MOVDQ2Q.rawValue, X86_INS_MOVQ2DQ.rawValue,
             X86_INS_MOVNTQ.rawValue, X86_INS_MOVAPD.rawValue, X86_INS_MOVAPS.rawValue, X86_INS_MOVUPD.rawValue,
             X86_INS_MOVUPS.rawValue, X86_INS_MOVDQA.rawValue, X86_INS_MOVDQU.rawValue, X86_INS_MOVSS.rawValue,
             X86_INS_MOVHPD.rawValue, X86_INS_MOVHPS.rawValue, X86_INS_MOVLPD.rawValue, X86_INS_MOVLPS.rawValue,
             X86_INS_MOVHLPS.rawValue, X86_INS_MOVLHPS.rawValue, X86_INS_MOVDDUP.rawValue,
             X86_INS_MOVSHDUP.rawValue, X86_INS_MOVSLDUP.rawValue, X86_INS_MOVMSKPD.rawValue,
             X86_INS_MOVMSKPS.rawValue, X86_INS_MOVNTDQA.rawValue, X86_INS_MOVNTDQ.rawValue,
             X86_INS_MOVNTPD.rawValue, X86_INS_MOVNTPS.rawValue, X86_INS_MOVNTSD.rawValue, X86_INS_MOVNTSS.rawValue:
            return moveOperation(operands)
        default:
            return .other
        }
    }

    /// A move writing a register is a load when it has a memory operand;
    /// one writing memory is a store; the rest are register moves.
    private func moveOperation(_ operands: [Operand]) -> Instruction.Operation {
        var writesRegister = false, hasMemory = false, writesMemory = false
        for op in operands {
            switch op.kind {
            case .register: if op.access.contains(.write) { writesRegister = true }
            case .memory: hasMemory = true; if op.access.contains(.write) { writesMemory = true }
            case .immediate: break
            }
        }
        if writesRegister { return hasMemory ? .load : .move }
        return writesMemory ? .store : .move
    }

    /// Same opcode, operand size and printed prefixes (capstone's AT&T
    /// mnemonic): what a changed displacement or immediate must leave alone.
    func hasSameOpcode(_ a: Instruction, _ b: Instruction) -> Bool { a.mnemonic == b.mnemonic }

    /// Registers read and written, explicit and implicit (capstone's
    /// `cs_regs_access`), as full 64-bit registers.
    private func accessedRegisters(_ insn: UnsafeMutablePointer<cs_insn>) -> (Set<Register>, Set<Register>) {
        var readIDs = [UInt16](repeating: 0, count: 64)
        var writeIDs = [UInt16](repeating: 0, count: 64)
        var nRead: UInt8 = 0, nWrite: UInt8 = 0
        let ok = readIDs.withUnsafeMutableBufferPointer { r in
            writeIDs.withUnsafeMutableBufferPointer { w in
                cs_regs_access(handle, insn, r.baseAddress, &nRead, w.baseAddress, &nWrite) == CS_ERR_OK
            }
        }
        guard ok else { return ([], []) }
        var reads = Set<Register>(), writes = Set<Register>()
        for i in 0 ..< Int(nRead) { if let r = register(UInt32(readIDs[i])) { reads.insert(Register(name: r.full)) } }
        for i in 0 ..< Int(nWrite) { if let r = register(UInt32(writeIDs[i])) { writes.insert(Register(name: r.full)) } }
        return (reads, writes)
    }
}
