import Foundation
import TestSupport

/// What binutils says about one object, for comparison with the scan:
/// `readelf -SrW` for the relocations, `objdump -drw` for the instructions
/// that hold them and the calls that use them. Nothing here goes through
/// pvsites' ELF reader or capstone.
struct ToolListing {
    /// One relocation as `readelf -rW` prints it.
    struct Relocation {
        /// The section it patches (`.text` for `.rela.text`).
        let section: String
        let type: String
        /// The symbol's name; a section symbol is printed as its section's name.
        let symbol: String
    }

    /// One instruction of `objdump -drw`, with the relocations inside it.
    struct Instruction {
        let section: String
        let address: UInt64
        let length: Int
        let mnemonic: String
        /// AT&T operands, split at the commas outside parentheses.
        let operands: [String]
        var relocations: [(type: String, symbol: String)] = []
        /// The same, with where they patch and their addends.
        var placed: [(offset: UInt64, type: String, symbol: String, addend: Int64)] = []
    }

    /// A relocation of a data section (a jump table's entry).
    struct DataRelocation {
        let type: String
        let symbol: String
        let addend: Int64
    }

    let path: String
    /// Relocations patching executable sections.
    let codeRelocations: [Relocation]
    /// Relocations of the other sections, by section and offset.
    let dataRelocations: [String: [UInt64: DataRelocation]]
    /// Instructions function by function (objdump's `<symbol>:` blocks).
    let functions: [[Instruction]]

    init(path: String) throws {
        self.path = path
        (codeRelocations, dataRelocations) = try Self.readelf(path)
        functions = try Self.objdump(path)
    }

    /// `readelf -SrW`: section flags, then the relocations of the sections
    /// flagged `X`, and those of the others with their offsets and addends.
    private static func readelf(_ path: String) throws -> ([Relocation], [String: [UInt64: DataRelocation]]) {
        var flags: [String: String] = [:]
        var patched: String?
        var out: [Relocation] = []
        var data: [String: [UInt64: DataRelocation]] = [:]
        for line in try Command.check(["readelf", "-SrW", path]).split(separator: "\n") {
            if line.hasPrefix("  ["), let close = line.firstIndex(of: "]") {
                // name type address offset size es [flags] link info align
                let f = line[line.index(after: close)...].split(separator: " ")
                if f.count == 10 || f.count == 9 { flags[String(f[0])] = f.count == 10 ? String(f[6]) : "" }
            } else if line.hasPrefix("Relocation section '") {
                let name = line.split(separator: "'")[1]
                patched = name.hasPrefix(".rela") ? String(name.dropFirst(5)) : String(name.dropFirst(4))
            } else if let patched, flags[patched]?.contains("X") == true {
                // offset info type value symbol + addend
                let f = line.split(separator: " ")
                guard f.count >= 5, f[2].hasPrefix("R_X86_64_") else { continue }
                out.append(Relocation(section: patched, type: String(f[2]), symbol: String(f[4])))
            } else if let patched {
                // "0000000000000004  0000000200000002 R_X86_64_PC32  0000000000000000 .text + 94"
                let f = line.split(separator: " ")
                guard f.count >= 7, f[2].hasPrefix("R_X86_64_"), let offset = UInt64(f[0], radix: 16),
                      let magnitude = Int64(f[6], radix: 16) else { continue }
                data[patched, default: [:]][offset] = DataRelocation(type: String(f[2]), symbol: String(f[4]),
                                                                     addend: f[5] == "-" ? -magnitude : magnitude)
            }
        }
        return (out, data)
    }

    /// `objdump -drw`: `  33:\t48 8b 3d 00 00 00 00 \tmov    0x0(%rip),%rdi        # 3a <f+0xa>\t36: R_X86_64_REX_GOTPCRELX\tparavirt_ops-0x4`.
    private static func objdump(_ path: String) throws -> [[Instruction]] {
        var functions: [[Instruction]] = []
        var section = ""
        for line in try Command.check(["objdump", "-drw", path]).split(separator: "\n") {
            if line.hasPrefix("Disassembly of section ") {
                section = String(line.dropFirst("Disassembly of section ".count).dropLast())
                continue
            }
            if line.hasSuffix(">:") {
                functions.append([])
                continue
            }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count >= 3, parts[0].hasSuffix(":"), !functions.isEmpty,
                  let address = UInt64(parts[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
            let length = parts[1].split(separator: " ").count
            var text = parts[2]
            if let hash = text.firstIndex(of: "#") { text = text[..<hash] }
            // Hint prefixes are words of their own for objdump.
            var words = text.split(separator: " ", maxSplits: 1).map(String.init)
            while let first = words.first, ["notrack", "bnd", "cs", "ds"].contains(first), words.count > 1 {
                words = words[1].trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1).map(String.init)
            }
            var insn = Instruction(section: section, address: address, length: length, mnemonic: words.first ?? "",
                                   operands: words.count > 1 ? Self.split(words[1].trimmingCharacters(in: .whitespaces)) : [])
            var k = 3
            while k + 1 < parts.count {
                // "36: R_X86_64_PC32", "paravirt_ops+0x144"
                let type = parts[k].split(separator: " ").last.map(String.init) ?? ""
                let target = parts[k + 1]
                let symbol = target.split(whereSeparator: { $0 == "+" || $0 == "-" }).first.map(String.init) ?? ""
                insn.relocations.append((type, symbol))
                let sign = target.dropFirst(symbol.count).first
                let addend = Int64(target.dropFirst(symbol.count + 1).replacingOccurrences(of: "0x", with: ""), radix: 16) ?? 0
                let offset = UInt64(parts[k].split(separator: ":").first?.trimmingCharacters(in: .whitespaces) ?? "", radix: 16) ?? 0
                insn.placed.append((offset, type, symbol, sign == "-" ? -addend : addend))
                k += 2
            }
            functions[functions.count - 1].append(insn)
        }
        return functions
    }

    private static func split(_ operands: String) -> [String] {
        var out: [String] = [], current = "", depth = 0
        for c in operands {
            if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
            if c == ",", depth == 0 { out.append(current); current = "" } else { current.append(c) }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }
}

extension ToolListing.Instruction {
    func refers(to table: String) -> Bool { relocations.contains { $0.symbol == table } }
    var viaGOT: Bool { relocations.contains { $0.type.contains("GOTPCREL") } }
    var isBranch: Bool { mnemonic.hasPrefix("call") || mnemonic.hasPrefix("jmp") }
    /// `call *0x0(%rip)`, `jmp *0x0`: through memory, not through a register.
    var isMemoryBranch: Bool {
        isBranch && operands.count == 1 && operands[0].hasPrefix("*")
            && (!operands[0].contains("%") || operands[0].hasSuffix("(%rip)"))
    }
    /// `mov 0x0(%rip),%rax`, `movzbl 0x0,%eax`: a move from memory into a register.
    var isLoad: Bool {
        mnemonic.hasPrefix("mov") && operands.count == 2 && operands[1].hasPrefix("%")
            && !operands[0].hasPrefix("%") && !operands[0].hasPrefix("$")
    }
}

extension ToolListing {
    /// Relocations against `table` in code, as readelf lists them.
    func tableRelocations(_ table: String) -> [Relocation] { codeRelocations.filter { $0.symbol == table } }

    /// The instructions of `objdump -drw` that hold a relocation against `table`.
    func tableInstructions(_ table: String) -> [Instruction] { functions.joined().filter { $0.refers(to: table) } }

    /// How an indirect call or jump gets its target.
    enum Via { case register, base, thunk }

    /// The calls and jumps through a register, a base register or a
    /// retpoline thunk whose target comes from a relocation against
    /// `table` in the same function: the rule of the dataflow policy
    /// (DESIGN.md), read backwards on objdump's text. From the branch, walk
    /// back along the control flow objdump shows (the previous instruction
    /// unless it is a jmp, ret or ud2; every direct branch to it) to the
    /// instructions that last wrote the register; a load of a field or the
    /// table's address there (directly, or through register copies, loads
    /// through the table's address, `lea` and `add $n`) makes a site on
    /// any path. A call clobbers the caller-saved registers. A switch's
    /// indirect jump precedes each case its jump table lists (readelf's
    /// relocations of `.rodata`).
    func tableCalls(_ table: String) -> [(instruction: Instruction, via: Via)] {
        var out: [(Instruction, Via)] = []
        for function in functions {
            let flow = BackwardFlow(function, table: table, jumpTables: dataRelocations)
            for (i, insn) in function.enumerated() where insn.isBranch && !insn.isMemoryBranch {
                let thunk = insn.relocations.first { $0.symbol.hasPrefix("__x86_indirect_thunk_") }
                if let thunk {
                    let reg = String(thunk.symbol.dropFirst("__x86_indirect_thunk_".count))
                    if flow.value(of: reg, before: i) == .field { out.append((insn, .thunk)) }
                } else if insn.operands.count == 1, insn.operands[0].hasPrefix("*%") {
                    if flow.value(of: String(insn.operands[0].dropFirst(2)), before: i) == .field { out.append((insn, .register)) }
                } else if insn.operands.count == 1, insn.operands[0].hasPrefix("*"),
                          let base = BackwardFlow.base(insn.operands[0].dropFirst()),
                          flow.value(of: base, before: i) == .table {
                    out.append((insn, .base))
                }
            }
        }
        return out
    }
}

/// The backward walk of `tableCalls` over one function.
private struct BackwardFlow {
    enum Value { case field, table }

    let insns: [ToolListing.Instruction]
    let table: String
    /// Control-flow predecessors of each instruction.
    let predecessors: [[Int]]

    init(_ insns: [ToolListing.Instruction], table: String,
         jumpTables: [String: [UInt64: ToolListing.DataRelocation]] = [:]) {
        self.insns = insns
        self.table = table
        var index: [UInt64: Int] = [:]
        for (k, insn) in insns.enumerated() { index[insn.address] = k }
        var preds = [[Int]](repeating: [], count: insns.count)
        for (k, insn) in insns.enumerated() {
            let ends = insn.mnemonic.hasPrefix("jmp") || insn.mnemonic.hasPrefix("ret") || insn.mnemonic == "ud2"
            if k + 1 < insns.count, !ends { preds[k + 1].append(k) }
            // "je     30 <f+0x30>"
            if insn.mnemonic.hasPrefix("j"), insn.operands.count == 1,
               let target = UInt64(insn.operands[0].split(separator: " ").first ?? "", radix: 16),
               let t = index[target] { preds[t].append(k) }
            // "jmp *%rax", "jmp *0x0(,%rax,8)", "jmp __x86_indirect_thunk_rax": a switch's dispatch.
            let dispatch = insn.mnemonic.hasPrefix("jmp") && insn.operands.count == 1
                && (insn.operands[0].hasPrefix("*%") || insn.operands[0].hasPrefix("*0x0(,")
                    || insn.relocations.contains { $0.symbol.hasPrefix("__x86_indirect_thunk_") })
            if dispatch {
                for target in Self.cases(insns, dispatch: k, jumpTables: jumpTables) {
                    if let t = index[target] { preds[t].append(k) }
                }
            }
        }
        predecessors = preds
    }

    /// The case addresses of the jump table a dispatch reads: its base is
    /// the `.rodata` place that the dispatch or one of the eight
    /// instructions before it refers to (`lea .rodata-0x4(%rip)` is
    /// .rodata+0); entries `.long .text+A - .` give A - (entry - base),
    /// `.quad .text+A` give A.
    static func cases(_ insns: [ToolListing.Instruction], dispatch k: Int,
                      jumpTables: [String: [UInt64: ToolListing.DataRelocation]]) -> [UInt64] {
        for i in stride(from: k, through: max(0, k - 8), by: -1) {
            let insn = insns[i]
            for r in insn.placed where r.symbol.hasPrefix(".rodata") {
                let relative = r.type.contains("PC32") || r.type.contains("PLT32")
                let base = r.addend + (relative ? Int64(insn.address) + Int64(insn.length) - Int64(r.offset) : 0)
                guard base >= 0, let entries = jumpTables[r.symbol], let first = entries[UInt64(base)] else { continue }
                let width: UInt64 = first.type == "R_X86_64_64" ? 8 : 4
                var out: [UInt64] = []
                var at = UInt64(base)
                while let e = entries[at], e.type == first.type, e.symbol == insn.section {
                    out.append(UInt64(e.addend - (first.type.contains("PC") ? Int64(at) - base : 0)))
                    at += width
                }
                return out
            }
        }
        return []
    }

    static let callerSaved: Set<String> = ["rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11"]

    private static let widened: [String: String] = {
        var m: [String: String] = [:]
        for (r64, parts) in [("rax", ["eax", "ax", "al", "ah"]), ("rbx", ["ebx", "bx", "bl", "bh"]),
                             ("rcx", ["ecx", "cx", "cl", "ch"]), ("rdx", ["edx", "dx", "dl", "dh"]),
                             ("rsi", ["esi", "si", "sil"]), ("rdi", ["edi", "di", "dil"]),
                             ("rbp", ["ebp", "bp", "bpl"]), ("rsp", ["esp", "sp", "spl"])] {
            for r in parts { m[r] = r64 }
        }
        for n in 8 ... 15 { for suffix in ["d", "w", "b"] { m["r\(n)\(suffix)"] = "r\(n)" } }
        return m
    }()

    /// `%eax` → `rax`, `%r11d` → `r11`.
    static func full(_ register: some StringProtocol) -> String {
        let s = String(register)
        let name = s.hasPrefix("%") ? String(s.dropFirst()) : s
        return widened[name] ?? name
    }

    /// `0x48(%rbx)` → `rbx`; nil with an index register or for %rip.
    static func base(_ memory: some StringProtocol) -> String? {
        guard let open = memory.firstIndex(of: "("), memory.hasSuffix(")") else { return nil }
        let inside = memory[memory.index(after: open) ..< memory.index(before: memory.endIndex)]
        guard !inside.contains(","), inside != "%rip" else { return nil }
        return full(inside)
    }

    /// The instruction writes `register` as its last (destination) operand,
    /// or pops it.
    func writes(_ insn: ToolListing.Instruction, _ register: String) -> Bool {
        let m = insn.mnemonic
        if m.hasPrefix("cmp") || m.hasPrefix("test") || m.hasPrefix("push") || m.hasPrefix("bt") || insn.isBranch {
            return false
        }
        guard insn.operands.count >= 2 || m.hasPrefix("pop"),
              let last = insn.operands.last, last.hasPrefix("%") else { return false }
        return Self.full(last) == register
    }

    /// What `register` holds before instruction `i` on some path.
    func value(of register: String, before i: Int, depth: Int = 0) -> Value? {
        guard depth < 20 else { return nil }
        let register = Self.full(register)
        var seen = Set<Int>(), work = predecessors[i], found = Set<Value>()
        while let j = work.popLast() {
            guard seen.insert(j).inserted else { continue }
            let insn = insns[j]
            if insn.mnemonic.hasPrefix("call") {
                if !Self.callerSaved.contains(register) { work += predecessors[j] }
            } else if writes(insn, register) {
                if let v = written(j, depth: depth) { found.insert(v) }
            } else {
                work += predecessors[j]
            }
        }
        return found.contains(.field) ? .field : found.contains(.table) ? .table : nil
    }

    /// What instruction `j` puts in its destination register.
    private func written(_ j: Int, depth: Int) -> Value? {
        let insn = insns[j]
        let m = insn.mnemonic, ops = insn.operands
        if insn.refers(to: table) {
            if insn.viaGOT || m.hasPrefix("lea") || ops.first?.hasPrefix("$") == true { return .table }
            return m.hasPrefix("mov") ? .field : nil
        }
        guard ops.count == 2 else { return nil }
        if m.hasPrefix("mov"), ops[0].hasPrefix("%"), !ops[0].contains(":") {
            return value(of: ops[0], before: j, depth: depth + 1)
        }
        if m.hasPrefix("mov"), let b = Self.base(ops[0]) {
            return value(of: b, before: j, depth: depth + 1) == .table ? .field : nil
        }
        if m.hasPrefix("lea"), let b = Self.base(ops[0]) {
            return value(of: b, before: j, depth: depth + 1) == .table ? .table : nil
        }
        if m.hasPrefix("add"), ops[0].hasPrefix("$") {
            return value(of: ops[1], before: j, depth: depth + 1) == .table ? .table : nil
        }
        return nil
    }
}
