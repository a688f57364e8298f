import ELF

/// Instructions as `objdump -dr` spells them today (binutils 2.39: `call`,
/// `ret`, `push`, `mov`, no size suffix where a register operand gives
/// the size), symbolized the way a reader of a mailing-list thread wants
/// them, with each relocation folded into its operand:
///
///     call *paravirt_ops+0x128(%rip)  # irq_disable
///     call __x86_indirect_thunk_rax
///     jne  lapic_timer_setup+0x1a
///     mov  $.rodata.str1.8,%rdi
///
/// A relocated field shows its symbol and the offset the instruction
/// reaches (for a PC-relative field at the end of the instruction that is
/// the addend + 4: objdump's `paravirt_ops+0x124` reloc line is the field
/// at +0x128); a GOT field shows `sym@GOTPCREL`. A branch without a
/// relocation shows its target as `func+0x1a` (`section+0x1a` outside any
/// function). `comment(symbol, offset)` may add `  # ...` to an operand
/// naming `symbol` (the study names the op of a table field).
///
/// Relocations come from the file's index (`ObjectFile.relocations(patching:)`);
/// labels are read once per section, on first use. Not thread-safe: one per
/// file per worker.
public final class Disassembler {
    public let file: ObjectFile

    public init(file: ObjectFile) {
        self.file = file
    }

    /// objdump's text of `insn` (decoded from `section`), symbolized.
    /// Throws when the section's relocations cannot be read.
    public func text(_ insn: Instruction, in section: Section,
                     comment: ((_ symbol: String, _ offset: Int64) -> String?)? = nil) throws -> String {
        let offset = insn.address &- file.address(of: section, offset: 0)
        // A field that runs past the instruction is not one of its operands
        // (data decoded as code, a literal pool): left as the bytes say.
        let reloc = try file.relocations(patching: section).find(in: offset ..< offset + UInt64(insn.length))
            .flatMap { $0.offset + UInt64(max($0.type.width, 1)) <= offset + UInt64(insn.length) ? $0 : nil }
        var operands = Self.splitOperands(insn.operandText)
        var note: String?
        if let reloc, let (name, target, place) = symbol(of: reloc, instructionEnd: offset + UInt64(insn.length)) {
            if let target { note = comment?(name, target) }
            if insn.branchTarget != nil, operands.count == 1 {
                operands[0] = place
            } else if let i = operands.firstIndex(where: { $0.contains("(%rip)") }) {
                let head = operands[i][..<operands[i].firstIndex(of: "(")!]
                let prefix = head.hasPrefix("*") ? "*" : head.contains(":") ? String(head.split(separator: ":")[0]) + ":" : ""
                operands[i] = prefix + place + "(%rip)"
            } else if let i = operands.firstIndex(where: { $0.hasPrefix("$") }) {
                operands[i] = "$" + place
            } else if let i = operands.firstIndex(where: { Self.isAbsoluteMemory($0) }) {
                operands[i] = (operands[i].hasPrefix("*") ? "*" : "") + place
            }
        } else if let target = insn.branchTarget, operands.count == 1 {
            operands[0] = describe(address: target, near: section)
        }
        var immediates = insn.operands.compactMap { op -> (Int64, Int)? in
            if case .immediate(let v) = op.kind { return (v, op.size) }
            return nil
        }[...]
        operands = operands.map { text in
            if text.hasPrefix("$"), text.dropFirst().first.map({ $0.isNumber || $0 == "-" }) == true,
               let (value, size) = immediates.popFirst() {
                return "$" + Self.unsignedHex(value, size: size)
            }
            return Self.objdumpOperand(Self.hexDisplacement(text), hasDisplacement: insn.hasEncodedDisplacement)
        }
        if insn.isStringOperation {
            // objdump names the segments of string operations: `%ds:(%rsi)`, `%es:(%rdi)`.
            operands = operands.map { $0 == "(%rsi)" ? "%ds:(%rsi)" : $0 == "(%rdi)" ? "%es:(%rdi)" : $0 }
        }
        // objdump calls the debug registers %db0-%db7.
        operands = operands.map { $0.hasPrefix("%dr") && $0.count == 4 ? "%db" + $0.dropFirst(3) : $0 }
        var mnemonic = insn.objdumpMnemonic
        if insn.operation == .nop {
            // Padding: objdump prints `xchg %ax,%ax` for 66 90, and the
            // prefixes of long nops as words (`data16 cs nopw 0x0(...)`).
            if insn.bytes == [0x66, 0x90] { return "xchg %ax,%ax" }
            let prefixes = insn.bytes.prefix { $0 == 0x66 || $0 == 0x2e }
            if prefixes.contains(0x2e) {
                mnemonic = "cs " + mnemonic
                operands = operands.map { $0.hasPrefix("%cs:") ? String($0.dropFirst(4)) : $0 }
            }
            let sizes = prefixes.filter { $0 == 0x66 }.count
            if sizes > 1 { mnemonic = String(repeating: "data16 ", count: sizes - 1) + mnemonic }
        }
        var line = operands.isEmpty ? mnemonic : mnemonic + " " + operands.joined(separator: ",")
        if let note { line += "  # " + note }
        return line
    }

    /// The relocation's symbol, the offset from it the instruction reaches
    /// (nil for a GOT field), and the text of the place: `sym+0x128`,
    /// `sym@GOTPCREL`. A section symbol in code is named as the symbol
    /// there (`.text+0x40` → `measure_cycles`).
    func symbol(of reloc: Relocation, instructionEnd: UInt64) -> (name: String, offset: Int64?, text: String)? {
        guard let sym = file.findSymbol(index: reloc.symbolIndex) else { return nil }
        let target = reloc.referencedOffset(instructionEnd: instructionEnd)
        var name = sym.name
        if sym.type == .section || sym.name.isEmpty, let si = sym.definingSection,
           let sec = file.findSection(index: si) {
            if sec.isExecutable, let t = target, t >= 0 {
                return (sec.name, target, describe(section: si, offset: UInt64(t)))
            }
            name = sec.name
        }
        return (name, target, target.map { name + Self.signedHex($0) } ?? name + "@GOTPCREL")
    }

    /// `func+0x1a` (objdump's `<func+0x1a>`), `section+0x1a`, or the bare
    /// address outside every section.
    func describe(address: UInt64, near section: Section) -> String {
        if file.isRelocatable { return describe(section: section.index, offset: address) }
        guard let s = file.findSection(containingAddress: address) else { return hex(address) }
        return describe(section: s.index, offset: address - s.address)
    }

    /// Per section index: its named symbols (functions, objects and the
    /// labels of hand-written asm), by offset.
    private var labels: [Int: [(offset: UInt64, name: String)]] = [:]

    /// As objdump names a place in code: the nearest symbol at or before
    /// it (a function, an object, or an asm label such as `badsys`), a
    /// global one first at the same offset; `section+0x1a` before every
    /// symbol.
    func describe(section index: Int, offset: UInt64) -> String {
        if labels[index] == nil {
            var list: [(offset: UInt64, name: String, rank: Int)] = []
            for sym in file.symbols where sym.sectionIndex == index && !sym.name.isEmpty {
                switch sym.type {
                case .function, .object, .notype: break
                default: continue
                }
                guard let off = file.sectionOffset(of: sym) else { continue }
                let rank = (sym.isFunction ? 0 : 2) + (sym.binding == .global ? 0 : 1)
                list.append((off, sym.name, rank))
            }
            list.sort { ($0.offset, $0.rank, $0.name) < ($1.offset, $1.rank, $1.name) }
            // One name per offset: the first of each run.
            var kept: [(offset: UInt64, name: String)] = []
            for e in list where kept.last?.offset != e.offset { kept.append((e.offset, e.name)) }
            labels[index] = kept
        }
        let list = labels[index]!
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid].offset <= offset { lo = mid + 1 } else { hi = mid }
        }
        guard lo > 0 else {
            return (file.findSection(index: index)?.name ?? "section[\(index)]") + Self.signedHex(Int64(offset))
        }
        let (start, name) = list[lo - 1]
        return name + Self.signedHex(Int64(offset - start))
    }

    /// `+0x128`, `-0x4`, or nothing for zero.
    static func signedHex(_ v: Int64) -> String {
        v == 0 ? "" : v > 0 ? "+" + hex(v) : "-" + hex(v.magnitude)
    }

    /// capstone's operand text split at the commas between operands (not
    /// those inside `(base, index, scale)`).
    static func splitOperands(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        var out: [String] = [], current = "", depth = 0
        for ch in text {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if ch == ",", depth == 0 {
                out.append(current.trimmingSpaces)
                current = ""
            } else {
                current.append(ch)
            }
        }
        out.append(current.trimmingSpaces)
        return out
    }

    /// An operand as objdump prints it: no space after commas, scale 1
    /// written out, and a displacement of zero written where the encoding
    /// has one (capstone drops a zero displacement): always for `%rip`,
    /// `%rbp` and `%r13` bases and without a base, else as the ModRM byte says.
    static func objdumpOperand(_ op: String, hasDisplacement: Bool) -> String {
        var s = ""
        for ch in op where !(ch == " " && s.last == ",") { s.append(ch) }
        guard let open = s.firstIndex(of: "("), s.hasSuffix(")") else { return s }
        let head = String(s[..<open])
        var inside = String(s[s.index(after: open) ..< s.index(before: s.endIndex)])
        if inside.split(separator: ",", omittingEmptySubsequences: false).count == 2 { inside += ",1" }
        let needsZero = inside.hasPrefix("%rip") || inside.hasPrefix("%rbp") || inside.hasPrefix("%r13")
            || inside.hasPrefix(",") || hasDisplacement
        let zero = needsZero && (head.isEmpty || head == "*" || head.hasSuffix(":"))
        return head + (zero ? "0x0" : "") + "(" + inside + ")"
    }

    /// objdump's immediate: the value as an unsigned number of the
    /// operand's size (`$0xffffffffffffff80` for -128 in a 64-bit add).
    static func unsignedHex(_ v: Int64, size: Int) -> String {
        let bits = UInt64(bitPattern: v)
        return hex(size > 0 && size < 8 ? bits & ((1 << UInt64(size * 8)) - 1) : bits)
    }

    /// capstone writes displacements below 10 in decimal (`8(%rax)`,
    /// `%gs:8`); objdump always in hex (`0x8(%rax)`, `-0x1(%rdi)`).
    /// (Read by hand: it runs for every operand of every instruction
    /// printed, and a regex literal is parsed again on each evaluation.)
    static func hexDisplacement(_ op: String) -> String {
        // `*`? `%Xs:`? `-`? digits `(...)`?
        var rest = Substring(op)
        var head = Substring()
        if rest.first == "*" { head = rest.prefix(1); rest = rest.dropFirst() }
        let segment = Array(rest.utf8.prefix(4))
        if segment.count == 4, segment[0] == UInt8(ascii: "%"), (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(segment[1]),
           segment[2] == UInt8(ascii: "s"), segment[3] == UInt8(ascii: ":") {
            head = op[op.startIndex..<rest.index(rest.startIndex, offsetBy: 4)]
            rest = rest.dropFirst(4)
        }
        let sign = rest.first == "-" ? "-" : ""
        rest = rest.dropFirst(sign.count)
        let digits = rest.prefix { $0 >= "0" && $0 <= "9" }
        let tail = rest.dropFirst(digits.count)
        guard !digits.isEmpty, let value = Int(digits), tail.isEmpty || (tail.first == "(" && tail.last == ")" && tail.count >= 2)
        else { return op }
        return head + sign + "0x" + String(value, radix: 16) + tail
    }

    /// `0x10` or `*0x10` or `%gs:0x10`: memory without base or index.
    static func isAbsoluteMemory(_ op: String) -> Bool {
        let body = op.hasPrefix("*") ? op.dropFirst() : Substring(op)
        let last = body.split(separator: ":").last ?? body
        return last.first.map { $0.isNumber || $0 == "-" } == true && !last.contains("(")
    }
}

extension Instruction {
    /// `call *...` or `jmp *...` through memory.
    var indirectMemoryBranch: Bool {
        (operation == .call || operation == .jump) && memoryOperand != nil
    }

    /// The mnemonic as objdump (binutils 2.39) prints it: capstone writes
    /// `callq`, `retq`, `jmpq`, `pushq`, `popq` and a size suffix on every
    /// sized instruction (`movl %edi, %esi`); objdump drops the suffix of
    /// a branch and a stack operation always, and of the others when a
    /// general register operand gives the size. Memory-only forms keep it
    /// (`movl $0x0,0x10(%rax)`, `nopw 0x0(%rax,%rax,1)`).
    public var objdumpMnemonic: String {
        let m = mnemonic
        // Prefixes (`lock cmpxchgq`, `rep stosq`, `notrack jmpq`) stay; the last word is the mnemonic.
        if let space = m.lastIndex(of: " ") {
            let head = m[...space]
            return String(head) + Self.objdumpBase(String(m[m.index(after: space)...]), self)
        }
        return Self.objdumpBase(m, self)
    }

    /// `movs`, `stos`, `lods`, `cmps`, `scas` (with or without `rep`).
    var isStringOperation: Bool {
        let word = mnemonic.split(separator: " ").last.map(String.init) ?? mnemonic
        return ["movs", "stos", "lods", "cmps", "scas"].contains { word.hasPrefix($0) } && word.count == 5
    }

    /// A zero displacement is encoded (`0f 1f 40 00` is `nopl 0x0(%rax)`,
    /// `0f 1f 00` is `nopl (%rax)`): read from the ModRM byte of the nops
    /// compilers pad with; other instructions never carry a zero one
    /// outside `%rbp`/`%r13` bases, which `objdumpOperand` knows.
    var hasEncodedDisplacement: Bool {
        guard operation == .nop, let i = bytes.firstIndex(of: 0x0f), i + 2 < bytes.count, bytes[i + 1] == 0x1f
        else { return false }
        return bytes[i + 2] >> 6 == 1 || bytes[i + 2] >> 6 == 2
    }

    private static let alwaysBare: Set<String> = [
        "call", "ret", "jmp", "push", "pop", "pushf", "popf", "leave", "lret",
    ]
    private static let sized: Set<String> = [
        "mov", "add", "sub", "and", "or", "xor", "cmp", "test", "lea", "adc", "sbb", "inc", "dec", "neg", "not",
        "shl", "shr", "sal", "sar", "rol", "ror", "rcl", "rcr", "imul", "mul", "div", "idiv", "xchg", "xadd",
        "cmpxchg", "bt", "bts", "btr", "btc", "bsf", "bsr", "shld", "shrd", "bswap", "movabs", "popcnt", "lzcnt",
        "tzcnt", "movbe", "in", "out",
    ]

    private static func objdumpBase(_ m: String, _ insn: Instruction) -> String {
        guard let last = m.last, "bwlq".contains(last), m.count > 1 else { return m }
        let base = String(m.dropLast())
        if alwaysBare.contains(base) { return base }
        // `cmovneq %rax,%rcx`: a cmov always has a register operand; so do
        // `stos`, `lods` and `scas` (`rep stos %al,%es:(%rdi)`), implicitly.
        if base.hasPrefix("cmov") && last != "b" || ["stos", "lods", "scas"].contains(base) { return base }
        guard sized.contains(base) else { return m }
        let hasRegister = insn.operands.contains { op in
            if case .register(let r) = op.kind { return !r.name.hasPrefix("xmm") && !r.name.hasPrefix("ymm") }
            return false
        }
        return hasRegister ? base : m
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
