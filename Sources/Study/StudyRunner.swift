import CorpusBuild
import DebugInfo
import X86
import Compare
import Pipeline
import Foundation
import MacroSites
import ELF
import RelocSites
import SiteModel

/// Runs the study: builds the corpus, then for every configuration, link
/// form and unannotated form (plain, and direct when the corpus has it)
/// reads the annotated build with MacroSites, scans the other build with
/// all three policies, compares them by source key, and runs the control
/// (the scan on the annotated build itself, same-object).
public struct StudyRunner: Sendable {
    public let corpus: Corpus
    public let cacheDirectory: String
    /// Examples kept per (outcome, cause, policy).
    public var examplesPerCause = 3
    /// The forms compared with the annotated build: every form the corpus
    /// builds, unless narrowed (only these modes are built).
    public var forms: [Form]

    public init(corpus: Corpus, cacheDirectory: String) {
        self.corpus = corpus
        self.cacheDirectory = cacheDirectory
        forms = corpus.forms
    }

    public func run(_ configurations: [BuildConfiguration],
                    progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws -> StudyResult {
        let builder = CorpusBuilder(corpus: corpus, cacheDirectory: cacheDirectory)
        var buildProgress: (@Sendable (Int, Int) -> Void)?
        if let progress { buildProgress = { done, total in progress("building", done, total) } }
        let build = try builder.build(configurations, modes: [.annotated] + forms.map(\.mode), progress: buildProgress)
        var units: [StudyUnit] = []
        let prefix = corpus.config.trampolines?.prefix
        for form in forms {
            for cfg in configurations {
                guard let a = build.find(cfg, .annotated), let p = build.find(cfg, form.mode) else { continue }
                if corpus.config.links.contains(.object) {
                    var plainBySource: [String: String] = [:]
                    for o in p.objects { plainBySource[o.source] = o.path }
                    var pairs: [ObjectPair] = []
                    for o in a.objects {
                        if let q = plainBySource[o.source] {
                            pairs.append(ObjectPair(annotated: o.path, plain: q,
                                                    name: URL(fileURLWithPath: o.path).lastPathComponent))
                        }
                    }
                    units.append(StudyUnit(configuration: cfg, link: .object, pairs: pairs, form: form, trampolinePrefix: prefix))
                }
                if corpus.config.links.contains(.linked), let ai = a.image, let pi = p.image {
                    units.append(StudyUnit(configuration: cfg, link: .linked,
                                           pairs: [ObjectPair(annotated: ai, plain: pi,
                                                              name: URL(fileURLWithPath: ai).lastPathComponent)],
                                           form: form, trampolinePrefix: prefix))
                }
            }
        }
        // Op names from the plain builds' DWARF (a direct object names the
        // table only where a header reads a data field).
        var nameFiles = units.filter { $0.form == .plain }.reversed().flatMap { $0.pairs.map(\.plain) }
        if nameFiles.isEmpty {
            nameFiles = try builder.build(configurations, modes: [.plain], links: false).builds.flatMap { $0.objects.map(\.path) }
        }
        let names = StudyMeasurement.opNames(plainFiles: nameFiles)
        var pairProgress: (@Sendable (Int, Int) -> Void)?
        if let progress { pairProgress = { done, total in progress("comparing", done, total) } }
        let measured = StudyMeasurement.run(units, names: names, examplesPerCause: examplesPerCause,
                                            progress: pairProgress)
        var compilers: [String: String] = [:]
        for c in corpus.availableCompilers().available where configurations.contains(where: { $0.compiler == c.name }) {
            compilers[c.name] = Toolchain.version(of: c.command)
        }
        let skipped = corpus.availableCompilers().skipped.map { SkippedCompiler(compiler: $0.0, reason: $0.1) }
        // Relaxation: GOT references the objects have and the image lost.
        var configs = measured.configs
        for i in configs.indices where configs[i].link == .linked {
            if let o = configs.first(where: { $0.link == .object && $0.configuration == configs[i].configuration && $0.form == configs[i].form }) {
                configs[i].references.relaxed = max(0, o.references.viaGOT - configs[i].references.viaGOT)
            }
        }
        // Text bytes: every row of a configuration and link has each form's.
        for i in configs.indices {
            for other in configs where other.configuration == configs[i].configuration && other.link == configs[i].link {
                switch other.form {
                case .plain: configs[i].textBytes.plain = other.textBytes.plain
                case .direct: configs[i].textBytes.direct = other.textBytes.direct
                }
            }
        }
        return StudyResult(corpus: corpus.directory, compilers: compilers, skipped: skipped,
                           configs: configs, examples: measured.examples,
                           failures: build.failures + measured.failures, warnings: build.warnings)
    }

    static func textBytes(_ f: ObjectFile) -> Int {
        f.sections.filter { $0.isExecutable && $0.type == .progbits }.reduce(0) { $0 + Int($1.size) }
    }

    /// An example: the site, its source line, and the instructions around
    /// it: for a miss, around what the plain build did instead (the load,
    /// the call through a register) when the evidence shows it. The
    /// instructions are symbolized (`call *paravirt_ops+0x128(%rip)  #
    /// irq_disable`, `call __x86_indirect_thunk_rax`, `jne f+0x1a`), the
    /// example says which build they come from, and a clobber-unsafe one
    /// names the registers the record keeps that a C call may clobber.
    static func example(_ o: Outcome, config: String, policy: Policy, annotatedFile: ObjectFile,
                        plainFile: ObjectFile, evidence: RelocScan, names: [Int64: String],
                        sources: inout SourceLines, disassembly: inout ExampleDisassembly,
                        form: Form = .plain) -> Example {
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
                    var text = disassembler.text(insn, in: section, comment: comment)
                    if j == i, exact == nil {
                        var guess = file.describe(section: section.index, offset: place.offset)
                        if let function, guess.hasPrefix(function + "+") { guess.removeFirst(function.count) }
                        text += "  <- guess \(guess)"
                    }
                    insns.append("\(j == i ? ">" : " ") \(where_): \(text)")
                }
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
