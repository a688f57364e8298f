import CorpusBuild
import Compare
import DebugInfo
import ELF
import Foundation
import RelocSites
import SiteModel
import X86

/// The example of one outcome, made while its pair is open.
enum PairExample {
    /// An example: the site, its source line, and the instructions around
    /// it: for a miss, around what the plain build did instead (the load,
    /// the call through a register) when the evidence shows it. The
    /// instructions are symbolized (`call *paravirt_ops+0x128(%rip)  #
    /// irq_disable`, `call __x86_indirect_thunk_rax`, `jne f+0x1a`), the
    /// example says which build they come from, and a clobber-unsafe one
    /// names the registers the record keeps that a C call may clobber.
    static func example(_ o: Outcome, config: String, policy: Policy, annotatedFile: ObjectFile,
                        plainFile: ObjectFile, evidence: RelocScan, names: OpNames,
                        sources: inout SourceLines, disassembly: inout ExampleDisassembly,
                        form: Form = .plain, object: String? = nil) throws -> Example {
        let s = o.kind == .missed ? o.annotated! : (o.found ?? o.annotated!)
        let frame = s.source.first
        let position = frame.map { "\(($0.file as NSString).lastPathComponent):\($0.line)" } ?? s.location
        let line = frame.flatMap { sources.line($0.file, $0.line) } ?? ""
        var file = o.kind == .missed ? annotatedFile : plainFile
        var place = (section: s.sectionIndex, offset: s.offset, address: s.address)
        if o.kind == .missed, let innermost = frame {
            let same = { (chain: [SourceFrame]) in chain.first.map { $0.file == innermost.file && $0.line == innermost.line } ?? false }
            if let d = evidence.sites.first(where: { same($0.source) && $0.op.offset == s.op.offset }) {
                file = plainFile
                place = (d.sectionIndex, d.offset, d.address)
            } else if let r = evidence.references.first(where: { same($0.source) }) {
                file = plainFile
                place = (r.sectionIndex, r.offset, r.address)
            }
        }
        let isPlain = file === plainFile
        let disassembler = disassembly.disassembler(for: file, plain: isPlain)
        // The table's fields by op name; the table symbol is the same in both builds.
        let table = evidence.table
        let comment = { (symbol: String, offset: Int64) -> String? in symbol == table ? names[offset] : nil }
        var insns: [String] = []
        // Places in the site's function are written `+0x1a` under a label
        // that names the function once, as objdump's listing does.
        let function = file.findFunction(section: place.section, offset: place.offset)?.symbol.name
        if let section = file.findSection(index: place.section) {
            let reader = CodeReader(file: file)
            let list = reader.functionInstructions(section: section, offset: place.offset).instructions
            // A guess inside an instruction (misplaced): the instruction
            // that holds it, marked, and where the guess starts.
            let exact = list.firstIndex { $0.address == place.address }
            let holding = exact ?? list.firstIndex { $0.address < place.address && place.address < $0.end }
            if let i = holding {
                for j in max(0, i - 1) ... min(list.count - 1, i + 2) {
                    let insn = list[j]
                    var where_ = file.describe(section: section.index, offset: insn.address - section.address)
                    if let function, where_.hasPrefix(function + "+") { where_.removeFirst(function.count) }
                    var text = try disassembler.text(insn, in: section, comment: comment)
                    if j == i, exact == nil {
                        var guess = file.describe(section: section.index, offset: place.offset)
                        if let function, guess.hasPrefix(function + "+") { guess.removeFirst(function.count) }
                        text += "  <- guess \(guess)"
                    }
                    insns.append("\(j == i ? ">" : " ") \(where_): \(text)")
                }
            }
        }
        // Both builds: when the instructions are the plain build's, the
        // annotated build's recorded instruction too.
        var recorded: String?
        if isPlain, let a = o.annotated, let section = annotatedFile.findSection(index: a.sectionIndex) {
            let list = CodeReader(file: annotatedFile).functionInstructions(section: section, offset: a.offset).instructions
            if let insn = list.first(where: { $0.address == a.address }) {
                let text = try disassembly.disassembler(for: annotatedFile, plain: false).text(insn, in: section, comment: comment)
                recorded = annotatedFile.describe(section: section.index, offset: insn.address - section.address) + ": " + text
                    + " (record: \(a.length) bytes)"
            }
        }
        // A site missed as merged: the one call its op's load reaches,
        // shared with other ops' loads.
        var shared: String?
        if o.cause == .merged,
           let m = evidence.sites.first(where: { $0.isMerged && $0.mergedOps.contains { $0.offset == s.op.offset } }),
           let section = plainFile.findSection(index: m.sectionIndex) {
            let list = CodeReader(file: plainFile).functionInstructions(section: section, offset: m.offset).instructions
            if let insn = list.first(where: { $0.address == m.address }) {
                let text = try disassembly.disassembler(for: plainFile, plain: true).text(insn, in: section, comment: comment)
                shared = plainFile.describe(section: section.index, offset: insn.address - section.address) + ": " + text
                    + " (reached by " + m.mergedOps.map(\.description).joined(separator: ", ") + ")"
            }
        }
        var lengths: String?
        if let a = o.annotated, let f = o.found, a.length != f.length { lengths = "\(a.length) vs \(f.length)" }
        var example = Example(outcome: o.kind, cause: o.cause, config: config, policy: policy,
                              // A merged call belongs to every op that reaches it.
                              op: s.isMerged ? s.mergedOps.map(\.description).joined(separator: "+") : s.op.description,
                              location: s.location, position: position,
                              sourceLine: line.trimmingCharacters(in: .whitespaces), instructions: insns, lengths: lengths)
        example.build = isPlain ? form.mode : .annotated
        example.function = function
        example.recorded = recorded
        example.sharedCall = shared
        // The pair's name: a kernel tree's relative path (the same in both
        // trees), a corpus source's object (`native_compare.o`); the build
        // shown is said beside it.
        example.object = object
        if o.kind == .clobberUnsafe, let declared = o.annotated?.clobbers {
            example.unsafeRegisters = ClobberSet.cABI.subtracting(declared).registers
        }
        return example
    }
}

/// The disassemblers of one pair's two files, made on first use (each
/// reads a section's relocations once).
struct ExampleDisassembly {
    private var annotated: Disassembler?
    private var plain: Disassembler?

    mutating func disassembler(for file: ObjectFile, plain isPlain: Bool) -> Disassembler {
        if isPlain {
            if plain == nil || plain!.file !== file { plain = Disassembler(file: file) }
            return plain!
        }
        if annotated == nil || annotated!.file !== file { annotated = Disassembler(file: file) }
        return annotated!
    }
}

/// Source files read once per unit, for the lines examples quote.
struct SourceLines {
    private var files: [String: [Substring]] = [:]

    mutating func line(_ path: String, _ n: Int) -> String? {
        if files[path] == nil {
            files[path] = (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n", omittingEmptySubsequences: false) ?? []
        }
        guard let lines = files[path], n >= 1, n <= lines.count else { return nil }
        return String(lines[n - 1])
    }
}
