import ELF
import X86

/// One record the simulator rejects: where, and what broke.
public struct PatchFailure: Sendable, Hashable, Codable {
    /// `func+0x1a` of the record.
    public let location: String
    public let address: UInt64
    /// `mid-instruction`, `not-a-call`, `tail-call`, `not-call-and-nops`,
    /// `boundary-changed`, `jump-target-inside`, `outside-function`.
    public let reason: String
    /// One line: the instruction the patch broke, and how.
    public let detail: String
}

/// The simulator's verdict on a set of records.
public struct PatchCheck: Sendable, Codable {
    public let passed: Int
    public let failed: Int
    public let failures: [PatchFailure]
}

/// Applies Linux 6.1's patching (LinuxPatch) to the image's bytes in
/// memory and disassembles every patched function from its start, then
/// judges each record:
///
/// - before patching, in a linear sweep of the original function: the
///   record starts at an instruction (else `mid-instruction`); that
///   instruction is a call, or the record's whole instructions hold one
///   and it is not longer than the record (else `not-a-call`); it is not a
///   tail jump, which the `call` would turn into a fall-through (`tail-call`);
///   the record ends at an instruction boundary (else `mid-instruction`);
/// - after patching: the record's bytes decode as one `e8` call to the
///   stand-in target followed by nops to exactly its length
///   (`not-call-and-nops`); every instruction of the original sweep
///   outside patched bytes is still there, same bytes, in the patched
///   sweep (`boundary-changed`, charged to the nearest record before it);
///   no branch target lies strictly inside the record (`jump-target-inside`,
///   BranchTargets).
///
/// The stand-in target is the first byte of the record's section: any
/// address will do, the call's rel32 is checked to reach it.
public enum PatchSimulator {
    /// Throws when the file's relocations cannot be read (branch targets).
    public static func check(file: ObjectFile, records: [PatchRecord]) throws -> PatchCheck {
        let code = CodeReader(file: file)
        let targets = BranchTargets(file: file)
        let decoder = X86Decoder()
        var failures: [Int: PatchFailure] = [:]
        func fail(_ i: Int, _ reason: String, _ detail: String) {
            if failures[i] == nil {
                failures[i] = PatchFailure(location: records[i].location, address: records[i].address,
                                           reason: reason, detail: detail)
            }
        }
        let bySection = Dictionary(grouping: records.indices, by: { records[$0].sectionIndex })
        for (sectionIndex, indices) in bySection.sorted(by: { $0.key < $1.key }) {
            guard let section = file.findSection(index: sectionIndex), section.hasFileBytes else {
                for i in indices { fail(i, "outside-function", "section \(records[i].section) has no code") }
                continue
            }
            let base = file.address(of: section, offset: 0)
            let original = file.bytes(of: section)
            var patched = original
            let standIn = base
            for i in indices {
                let r = records[i]
                guard r.end <= UInt64(original.count),
                      let bytes = LinuxPatch.patch(address: r.address, length: Int(r.length), target: standIn) else {
                    fail(i, "outside-function", "\(r.length) bytes at +\(hex(r.offset)) do not fit the section or the call")
                    continue
                }
                patched.replaceSubrange(Int(r.offset) ..< Int(r.end), with: bytes)
            }
            // Every record of the section, in address order: a function's
            // sweep may run into the next function (a code range extends
            // past a short symbol), whose records are patched too.
            let inSection = indices.sorted { records[$0].offset < records[$1].offset }
            // Each function holding a record, once.
            let byFunction = Dictionary(grouping: indices, by: { code.codeRange(section: section, offset: records[$0].offset).0 })
            for (_, members) in byFunction.sorted(by: { $0.key < $1.key }) {
                let (start, end) = code.codeRange(section: section, offset: records[members[0]].offset)
                let range = Int(start) ..< Int(end)
                let before = original.withUnsafeBytes { LinearSweep.instructions(decoder, $0, range: range, base: base) }
                let after = patched.withUnsafeBytes { LinearSweep.instructions(decoder, $0, range: range, base: base) }
                var beforeAt: [UInt64: Int] = [:]
                for (k, insn) in before.enumerated() { beforeAt[insn.address - base] = k }
                let sweptEnd = before.last.map { $0.end - base } ?? start
                let ordered = members.sorted { records[$0].offset < records[$1].offset }
                for i in ordered {
                    judgeOriginal(records[i], before: before, beforeAt: beforeAt, sweptEnd: sweptEnd,
                                  functionStart: start, functionEnd: end, base: base, file: file)
                        .map { fail(i, $0.0, $0.1) }
                    judgePatched(records[i], patched: patched, base: base, standIn: standIn, decoder: decoder)
                        .map { fail(i, $0.0, $0.1) }
                    if let inside = try targets.firstInside(section: section, offset: records[i].offset, length: Int(records[i].length)) {
                        fail(i, "jump-target-inside",
                             "\(file.describe(section: sectionIndex, offset: inside.offset)) is a target (\(inside.from))")
                    }
                }
                // Every original instruction outside the patches, unchanged.
                var afterAt: [UInt64: Instruction] = [:]
                for insn in after { afterAt[insn.address - base] = insn }
                for insn in before {
                    let off = insn.address - base
                    // The record starting last before the instruction's end.
                    let near = lastStarting(before: off + UInt64(insn.length), in: inSection, records)
                    if let near, records[near].end > off { continue }
                    if let now = afterAt[off], now.bytes == insn.bytes { continue }
                    // Charge it to the nearest record before it.
                    guard let culprit = near ?? ordered.first else { continue }
                    let now = afterAt[off].map { "`\($0.text)`" } ?? "no instruction starts there"
                    fail(culprit, "boundary-changed",
                         "`\(insn.text)` at \(file.describe(section: sectionIndex, offset: off)) now decodes as \(now)")
                }
            }
        }
        let list = failures.keys.sorted().map { failures[$0]! }
        return PatchCheck(passed: records.count - list.count, failed: list.count, failures: list)
    }

    /// Of `sorted` (record indices by offset), the last whose record starts
    /// before `offset`.
    private static func lastStarting(before offset: UInt64, in sorted: [Int], _ records: [PatchRecord]) -> Int? {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if records[sorted[mid]].offset < offset { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : sorted[lo - 1]
    }

    /// The checks on the original bytes.
    private static func judgeOriginal(_ r: PatchRecord, before: [Instruction], beforeAt: [UInt64: Int], sweptEnd: UInt64,
                                      functionStart: UInt64, functionEnd: UInt64, base: UInt64,
                                      file: ObjectFile) -> (String, String)? {
        func at(_ insn: Instruction) -> String {
            "`\(insn.text)` at \(file.describe(section: r.sectionIndex, offset: insn.address - base))"
        }
        guard let first = beforeAt[r.offset] else {
            if let inside = before.last(where: { $0.address - base < r.offset && $0.end - base > r.offset }) {
                return ("mid-instruction", "starts inside \(at(inside))")
            }
            return ("mid-instruction", "no instruction of the function's sweep starts at +\(hex(r.offset))")
        }
        var k = first
        var covered: [Instruction] = []
        while k < before.count, before[k].address - base < r.end {
            covered.append(before[k])
            k += 1
        }
        let head = before[first]
        let coverEnd = covered.last.map { $0.end - base } ?? r.offset
        // A jump that leaves the function (through memory, a register, a
        // thunk, or to another function) is a tail call; a jump within it
        // (over data) is not a call at all.
        let leaves = head.branchTarget.map { $0 < base + functionStart || $0 >= base + functionEnd } ?? true
        if head.operation == .jump && leaves && head.length <= Int(r.length) {
            return ("tail-call", "\(at(head)) is a tail jump; the patch makes it a call that returns into the nops")
        }
        if !(head.operation == .call && head.length <= Int(r.length)) {
            let holdsCall = coverEnd == r.end && covered.contains { $0.operation == .call }
            if !holdsCall {
                return ("not-a-call", "\(at(head)) (\(head.length) bytes) is not a call of at most \(r.length) bytes")
            }
        }
        if coverEnd > r.end { return ("mid-instruction", "ends inside \(at(covered.last!))") }
        if coverEnd < r.end {
            return ("mid-instruction", "runs past the end of the function's sweep at +\(hex(sweptEnd))")
        }
        return nil
    }

    /// The patched bytes must read `call <stand-in>` then nops, exactly.
    private static func judgePatched(_ r: PatchRecord, patched: [UInt8], base: UInt64, standIn: UInt64,
                                     decoder: X86Decoder) -> (String, String)? {
        patched.withUnsafeBytes { buf -> (String, String)? in
            let bounded = UnsafeRawBufferPointer(rebasing: buf[..<Int(r.end)])
            guard let call = decoder.decode(bounded, at: Int(r.offset), address: r.address, registerAccess: false),
                  call.operation == .call, call.length == LinuxPatch.callSize, call.branchTarget == standIn else {
                return ("not-call-and-nops", "the patch does not decode as a 5-byte call to the stand-in")
            }
            var at = Int(r.offset) + call.length
            while at < Int(r.end) {
                guard let nop = decoder.decode(bounded, at: at, address: base + UInt64(at), registerAccess: false),
                      nop.operation == .nop else {
                    return ("not-call-and-nops", "bytes at +\(hex(UInt64(at) - r.offset)) after the call are not a nop")
                }
                at += nop.length
            }
            return nil
        }
    }
}
