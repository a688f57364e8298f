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

/// Runs the study: builds the corpus, then for every configuration and link
/// form reads the annotated build with MacroSites, scans the plain build
/// with all three policies, compares them by source key, and runs the
/// control (the scan on the annotated build itself, same-object).
public struct StudyRunner: Sendable {
    public let corpus: Corpus
    public let cacheDirectory: String
    /// Examples kept per (outcome, cause, policy).
    public var examplesPerCause = 3

    public init(corpus: Corpus, cacheDirectory: String) {
        self.corpus = corpus
        self.cacheDirectory = cacheDirectory
    }

    private struct Unit: Sendable {
        let configuration: BuildConfiguration
        let link: String
        let pairs: [(annotated: String, plain: String)]
    }

    public func run(_ configurations: [BuildConfiguration],
                    progress: (@Sendable (String, Int, Int) -> Void)? = nil) throws -> StudyResult {
        let builder = CorpusBuilder(corpus: corpus, cacheDirectory: cacheDirectory)
        var buildProgress: (@Sendable (Int, Int) -> Void)?
        if let progress { buildProgress = { done, total in progress("building", done, total) } }
        let build = try builder.build(configurations, progress: buildProgress)
        var units: [Unit] = []
        for cfg in configurations {
            guard let a = build.find(cfg, .annotated), let p = build.find(cfg, .plain) else { continue }
            if corpus.config.links.contains("object") {
                var plainBySource: [String: String] = [:]
                for o in p.objects { plainBySource[o.source] = o.path }
                var pairs: [(annotated: String, plain: String)] = []
                for o in a.objects {
                    if let q = plainBySource[o.source] { pairs.append((annotated: o.path, plain: q)) }
                }
                units.append(Unit(configuration: cfg, link: "object", pairs: pairs))
            }
            if corpus.config.links.contains("linked"), let ai = a.image, let pi = p.image {
                units.append(Unit(configuration: cfg, link: "linked", pairs: [(ai, pi)]))
            }
        }
        let names = opNames(units)
        let counter = ProgressCounter()
        let unitCount = units.count
        let results = WorkerPool.map(units) { unit -> UnitResult in
            defer { progress?("comparing", counter.next(), unitCount) }
            return measure(unit, names: names)
        }
        var compilers: [String: String] = [:]
        for c in corpus.availableCompilers().available where configurations.contains(where: { $0.compiler == c.name }) {
            compilers[c.name] = Toolchain.version(of: c.command)
        }
        let skipped = corpus.availableCompilers().skipped.map { SkippedCompiler(compiler: $0.0, reason: $0.1) }
        // Examples: the first few per (outcome, cause, policy), in config order.
        var examples: [Example] = []
        var taken: [String: Int] = [:]
        for r in results {
            for e in r.examples {
                let k = "\(e.outcome)/\(e.cause ?? "")/\(e.policy)"
                if taken[k, default: 0] < examplesPerCause {
                    taken[k, default: 0] += 1
                    examples.append(e)
                }
            }
        }
        // Relaxation: GOT references the objects have and the image lost.
        var configs = results.map(\.config)
        for i in configs.indices where configs[i].link == "linked" {
            if let o = configs.first(where: { $0.link == "object" && $0.configuration == configs[i].configuration }) {
                configs[i].references.relaxed = max(0, o.references.viaGOT - configs[i].references.viaGOT)
            }
        }
        return StudyResult(corpus: corpus.directory, compilers: compilers, skipped: skipped,
                           configs: configs, examples: examples,
                           failures: build.failures + results.flatMap(\.failures), warnings: build.warnings)
    }

    private struct UnitResult: Sendable {
        let config: ConfigResult
        let examples: [Example]
        let failures: [BuildFailure]
    }

    /// The table's op names, from the DWARF of the first plain build that
    /// has them (asm-only objects and annotated C objects carry none).
    private func opNames(_ units: [Unit]) -> [Int64: String] {
        for unit in units.reversed() {
            for pair in unit.pairs {
                guard let file = try? ObjectFile(path: pair.plain),
                      let scan = try? RelocScan(file: file, options: RelocOptions(policy: .decoded, sourcePositions: false))
                else { continue }
                let names = OpNames.names(in: scan)
                if !names.isEmpty {
                    // Every field the table has, not just those this file uses.
                    if let info = try? file.openDebugInfo(), let table = scan.table,
                       let members = info.variableMembers(named: table) {
                        var all = names
                        for m in members where all[Int64(m.offset)] == nil { all[Int64(m.offset)] = m.name }
                        return all
                    }
                    return names
                }
            }
        }
        return [:]
    }

    private func measure(_ unit: Unit, names: [Int64: String]) -> UnitResult {
        var policies: [String: Counts] = [:]
        var keys: [String: (missed: [ConfigResult.KeyedOutcome], spurious: [ConfigResult.KeyedOutcome])] = [:]
        var control = Counts()
        var controlAsmSized = 0
        var textA = 0, textP = 0
        var byUse: [String: Int] = [:]
        var refTotal = 0, confirmed = 0, viaGOT = 0
        var annC = 0, annAsm = 0, narrowC = 0, narrowAsm = 0
        var examples: [Example] = []
        var failures: [BuildFailure] = []
        let name = "\(unit.configuration) \(unit.link)"
        for pair in unit.pairs {
            do {
                let a = try ObjectFile(path: pair.annotated)
                let p = try ObjectFile(path: pair.plain)
                textA += Self.textBytes(a)
                textP += Self.textBytes(p)
                let analysis = try Analysis(annotated: a, plain: p,
                                            options: Analysis.Options(names: names, control: true))
                let evidence = analysis.evidence.scan
                for r in evidence.references {
                    refTotal += 1
                    byUse[r.use.rawValue, default: 0] += 1
                    if r.confirmedBySweep { confirmed += 1 }
                    if r.viaGOT { viaGOT += 1 }
                }
                for s in analysis.annotated {
                    let asm = Comparison.isHandWrittenAsm(s)
                    let narrow = s.clobbers.map { !$0.isSuperset(of: .cABI) } ?? false
                    if asm { annAsm += 1; if narrow { narrowAsm += 1 } } else { annC += 1; if narrow { narrowC += 1 } }
                }
                var sourceCache = SourceLines()
                for policy in Policy.allCases {
                    let c = analysis.comparisons[policy]!
                    policies[policy.rawValue] = (policies[policy.rawValue] ?? Counts()) + c.counts
                    var entry = keys[policy.rawValue] ?? ([], [])
                    for o in c.outcomes where o.kind == .missed || o.kind == .spurious {
                        let k = ConfigResult.KeyedOutcome(key: SiteKey(site: o.site), cause: o.cause)
                        if o.kind == .missed { entry.missed.append(k) } else { entry.spurious.append(k) }
                    }
                    keys[policy.rawValue] = entry
                    guard policy != .naive else { continue }
                    for o in c.outcomes where o.kind != .matched {
                        examples.append(Self.example(o, config: name, policy: policy, annotatedFile: a,
                                                     plainFile: p, evidence: evidence, sources: &sourceCache))
                    }
                }
                let controlResult = analysis.control!
                control = control + controlResult.counts
                controlAsmSized += controlResult.outcomes.filter {
                    $0.kind == .sizeMismatched && $0.annotated.map(Comparison.isHandWrittenAsm) == true
                }.count
            } catch {
                let source = URL(fileURLWithPath: pair.annotated).lastPathComponent
                failures.append(BuildFailure(configuration: unit.configuration, mode: .annotated, file: source,
                                             message: String(describing: error)))
            }
        }
        let config = ConfigResult(
            compiler: unit.configuration.compiler, variant: unit.configuration.variant, opt: unit.configuration.opt,
            link: unit.link, textBytes: .init(annotated: textA, plain: textP), policies: policies, control: control,
            controlSizeMismatchedAsm: controlAsmSized,
            references: .init(total: refTotal, byUse: byUse, confirmedBySweep: confirmed, viaGOT: viaGOT, relaxed: 0),
            clobbers: .init(annotatedC: annC, annotatedAsm: annAsm, narrowC: narrowC, narrowAsm: narrowAsm),
            keys: keys.mapValues { ConfigResult.PolicyKeys(missed: $0.missed.sorted(), spurious: $0.spurious.sorted()) })
        return UnitResult(config: config, examples: examples, failures: failures)
    }

    static func textBytes(_ f: ObjectFile) -> Int {
        f.sections.filter { $0.isExecutable && $0.type == .progbits }.reduce(0) { $0 + Int($1.size) }
    }

    /// An example: the site, its source line, and the instructions around
    /// it: for a miss, around what the plain build did instead (the load,
    /// the call through a register) when the evidence shows it.
    static func example(_ o: Outcome, config: String, policy: Policy, annotatedFile: ObjectFile,
                        plainFile: ObjectFile, evidence: RelocScan, sources: inout SourceLines) -> Example {
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
        var insns: [String] = []
        if let section = file.findSection(index: place.section) {
            let reader = CodeReader(file: file)
            let list = reader.functionInstructions(section: section, offset: place.offset).instructions
            if let i = list.firstIndex(where: { $0.address == place.address }) {
                for j in max(0, i - 1) ... min(list.count - 1, i + 2) {
                    let insn = list[j]
                    let where_ = file.describe(section: section.index, offset: insn.address - section.address)
                    insns.append("\(j == i ? ">" : " ") \(where_): \(insn.text)")
                }
            }
        }
        var lengths: String?
        if let a = o.annotated, let f = o.found, a.length != f.length { lengths = "\(a.length) vs \(f.length)" }
        return Example(outcome: o.kind.rawValue, cause: o.cause?.rawValue, config: config, policy: policy.rawValue,
                       op: s.op.description, location: s.location, position: position,
                       sourceLine: line.trimmingCharacters(in: .whitespaces), instructions: insns, lengths: lengths)
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
