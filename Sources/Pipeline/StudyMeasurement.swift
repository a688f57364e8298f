import Concurrency
import CorpusBuild
import Compare
import ELF
import Foundation
import DebugInfo
import Records
import RelocSites
import SiteModel

/// The cross-build measurement of units of object pairs, shared by the
/// corpus study and the Linux A/B: every pair is one `Analysis` (all
/// policies and the control), run on the worker pool; the pairs' numbers
/// are summed per unit in input order, so the result does not depend on
/// which thread measured what.
public enum StudyMeasurement {
    public struct Result: Sendable {
        public let configs: [ConfigResult]
        public let examples: [Example]
        public let failures: [BuildFailure]
    }

    /// `progress(done, total)` counts pairs.
    public static func run(_ units: [StudyUnit], names: OpNames, examplesPerCause: Int = 3,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) -> Result {
        // A pair that is in two units of the same configuration, link and
        // form (a kernel's subset is part of its whole tree) is measured
        // once; its numbers go into both.
        var index: [PairKey: Int] = [:]
        var work: [(unit: Int, pair: ObjectPair)] = []
        var slots: [[Int]] = []
        for u in units.indices {
            let unit = units[u]
            slots.append(unit.pairs.map { pair in
                let key = PairKey(pair: pair, configuration: unit.configuration, link: unit.link, form: unit.form,
                                  trampolinePrefix: unit.trampolinePrefix)
                if let i = index[key] { return i }
                index[key] = work.count
                work.append((unit: u, pair: pair))
                return work.count - 1
            })
        }
        let counter = ProgressCounter()
        let total = work.count
        let measured = WorkerPool.map(work) { item -> PairResult in
            defer { progress?(counter.next(), total) }
            let unit = units[item.unit]
            let label = "\(unit.configuration) \(unit.link)" + (unit.form == .plain ? "" : " \(unit.form)")
            return PairResult(item.pair, unit: unit, label: label, names: names,
                              examplesPerCause: examplesPerCause)
        }
        // A shared pair's examples and failures go with its first unit only.
        var sums = units.map { _ in PairResult() }
        var summed = Set<Int>()
        for u in units.indices {
            for i in slots[u] {
                if summed.insert(i).inserted {
                    sums[u].add(measured[i])
                } else {
                    var again = measured[i]
                    again.examples = []
                    again.failures = []
                    sums[u].add(again)
                }
            }
        }
        // Examples: the first few per (outcome, cause, policy), the
        // kernel's -O2 first, then -Os (the two levels kernels are built
        // at), then the others, each in unit order.
        let levels = ["-O2", "-Os", "-O3", "-O1", "-O0"]
        let byLevel = units.indices.sorted {
            (levels.firstIndex(of: units[$0].configuration.opt) ?? levels.count, $0)
                < (levels.firstIndex(of: units[$1].configuration.opt) ?? levels.count, $1)
        }
        var examples: [Example] = []
        var taken: [Shown: Int] = [:]
        for e in byLevel.flatMap({ sums[$0].examples }) {
            let k = Shown(outcome: e.outcome, cause: e.cause, policy: e.policy)
            if taken[k, default: 0] < examplesPerCause {
                taken[k, default: 0] += 1
                examples.append(e)
            }
        }
        let configs = zip(units, sums).map { unit, sum in sum.config(unit) }
        return Result(configs: configs, examples: examples, failures: sums.flatMap(\.failures))
    }

    /// Bytes of the executable PROGBITS sections.
    static func textBytes(_ f: ObjectFile) -> Int {
        f.sections.filter { $0.isExecutable && $0.type == .progbits }.reduce(0) { $0 + Int($1.size) }
    }
}

/// What makes two units' pair the same measurement.
private struct PairKey: Hashable {
    let pair: ObjectPair
    let configuration: BuildConfiguration
    let link: LinkForm
    let form: Form
    let trampolinePrefix: String?
}

/// Examples are counted per (outcome, cause, policy).
private struct Shown: Hashable {
    let outcome: OutcomeKind
    let cause: Cause?
    let policy: Policy
}

/// What one pair measured; pairs of a unit add up.
struct PairResult: Sendable {
    var policies: [Policy: Counts] = [:]
    var missed: [Policy: [ConfigResult.KeyedOutcome]] = [:]
    var spurious: [Policy: [ConfigResult.KeyedOutcome]] = [:]
    var control = Counts()
    var controlAsmSized = 0
    var textA = 0, textP = 0
    var byUse: [ReferenceUse: Int] = [:]
    var refTotal = 0, confirmed = 0, viaGOT = 0
    var annC = 0, annAsm = 0, narrowC = 0, narrowAsm = 0
    /// Set when a pair's records are alternatives (Linux 6.8+).
    var alternatives: ConfigResult.Alternatives?
    var ops: [OpTally] = []
    var examples: [Example] = []
    var failures: [BuildFailure] = []

    init() {}

    /// Examples are made for the first `examplesPerCause` outcomes of each
    /// (outcome, cause, policy) only: no more of a pair can be among the
    /// first of its unit, and each costs a disassembly.
    init(_ pair: ObjectPair, unit: StudyUnit, label: String, names: OpNames, examplesPerCause: Int) {
        do {
            let a = try ObjectFile(path: pair.annotated)
            let p = try ObjectFile(path: pair.plain)
            textA = StudyMeasurement.textBytes(a)
            textP = StudyMeasurement.textBytes(p)
            let analysis = try Analysis(annotated: a, plain: p,
                                        options: Analysis.Options(names: names, control: true,
                                                                  trampolinePrefix: unit.trampolinePrefix))
            let evidence = analysis.evidence.scan
            for r in evidence.references {
                refTotal += 1
                byUse[r.use, default: 0] += 1
                if r.confirmedBySweep { confirmed += 1 }
                if r.viaGOT { viaGOT += 1 }
            }
            if analysis.macro.otherRecords > 0 || analysis.macro.section == ".altinstructions" {
                var alt = ConfigResult.Alternatives()
                alt.records = analysis.macro.records
                alt.sites = analysis.macro.sites.count
                alt.nativeReplacements = analysis.macro.nativeReplacements
                alt.other = analysis.macro.otherRecords - analysis.macro.nativeReplacements
                alternatives = alt
            }
            for s in analysis.annotated {
                let asm = Comparison.isHandWrittenAsm(s)
                let narrow = s.clobbers.map { !$0.isSuperset(of: .cABI) } ?? false
                if asm { annAsm += 1; if narrow { narrowAsm += 1 } } else { annC += 1; if narrow { narrowC += 1 } }
            }
            ops = OpTally.merge([Array(OpTally.tally(analysis.comparisons.mapValues(\.outcomes)).values)])
            var sourceCache = SourceLines()
            var disassembly = ExampleDisassembly()
            var taken: [Shown: Int] = [:]
            // Patchable: the found sites' plain-build sites that got a
            // record, the records made from each policy's whole scan.
            // In place for the annotated build's own patcher: 6.8's takes
            // only `call *disp32(%rip)`.
            let records = try Patchable.records(file: p, scans: Policy.allCases.map { analysis.scans[$0]! },
                                                patcher: Patchable.patcher(layout: analysis.macro.layout))
            for policy in Policy.allCases {
                let c = analysis.comparisons[policy]!
                policies[policy] = c.counts
                let found = c.outcomes.filter(\.kind.isFound).compactMap(\.found)
                policies[policy]!.patchable = Patchable.count(of: found, in: records[policy]!)
                // C and hand-written asm apart, each with its patchable.
                var split = Counts.bySource(c.outcomes)
                for source in SourceLanguage.allCases {
                    let sites = c.outcomes.filter { $0.kind.isFound && SourceLanguage.of($0) == source }.compactMap(\.found)
                    split[source]!.patchable = Patchable.count(of: sites, in: records[policy]!)
                }
                policies[policy]!.bySource = split
                for o in c.outcomes where o.kind == .missed || o.kind == .spurious {
                    let k = ConfigResult.KeyedOutcome(key: SiteKey(site: o.site), cause: o.cause)
                    if o.kind == .missed { missed[policy, default: []].append(k) }
                    else { spurious[policy, default: []].append(k) }
                }
                for o in c.outcomes where o.kind != .matched {
                    // A guessing policy's examples: only what it alone does
                    // (guesses that cannot be patched, non-calls taken as sites).
                    guard !policy.guesses || o.kind == .misplaced || o.cause == .nonCall else { continue }
                    let k = Shown(outcome: o.kind, cause: o.cause, policy: policy)
                    guard taken[k, default: 0] < examplesPerCause else { continue }
                    taken[k, default: 0] += 1
                    examples.append(try PairExample.example(o, config: label, policy: policy, annotatedFile: a,
                                                        plainFile: p, evidence: evidence, names: names,
                                                        sources: &sourceCache, disassembly: &disassembly,
                                                        form: unit.form, object: pair.name))
                }
            }
            let controlResult = analysis.control!
            control = controlResult.counts
            controlAsmSized = controlResult.outcomes.filter {
                $0.kind == .sizeMismatched && $0.annotated.map(Comparison.isHandWrittenAsm) == true
            }.count
        } catch {
            self = PairResult()
            failures.append(BuildFailure(configuration: unit.configuration, mode: .annotated, file: pair.name,
                                         message: String(describing: error)))
        }
    }

    mutating func add(_ r: PairResult) {
        policies.merge(r.policies, uniquingKeysWith: +)
        missed.merge(r.missed, uniquingKeysWith: +)
        spurious.merge(r.spurious, uniquingKeysWith: +)
        control = control + r.control
        controlAsmSized += r.controlAsmSized
        textA += r.textA
        textP += r.textP
        byUse.merge(r.byUse, uniquingKeysWith: +)
        refTotal += r.refTotal
        confirmed += r.confirmed
        viaGOT += r.viaGOT
        annC += r.annC
        annAsm += r.annAsm
        narrowC += r.narrowC
        narrowAsm += r.narrowAsm
        if let b = r.alternatives { alternatives = (alternatives ?? ConfigResult.Alternatives()) + b }
        ops = OpTally.merge([ops, r.ops])
        examples += r.examples
        failures += r.failures
    }

    /// `KeyedOutcome`'s order, each key's text made once (thousands of
    /// keys in a kernel configuration).
    static func sorted(_ list: [ConfigResult.KeyedOutcome]) -> [ConfigResult.KeyedOutcome] {
        list.map { (key: $0.key.description, cause: $0.cause?.rawValue ?? "", outcome: $0) }
            .sorted { ($0.key, $0.cause) < ($1.key, $1.cause) }
            .map(\.outcome)
    }

    func config(_ unit: StudyUnit) -> ConfigResult {
        var keys: [Policy: ConfigResult.PolicyKeys] = [:]
        for p in Policy.allCases where policies[p] != nil {
            keys[p] = ConfigResult.PolicyKeys(missed: Self.sorted(missed[p] ?? []), spurious: Self.sorted(spurious[p] ?? []))
        }
        let cfg = unit.configuration
        var result = ConfigResult(
            compiler: cfg.compiler, variant: cfg.variant, opt: cfg.opt,
            link: unit.link,
            textBytes: .init(annotated: textA, plain: unit.form == .plain ? textP : 0, direct: unit.form == .direct ? textP : nil),
            policies: policies, control: control,
            controlSizeMismatchedAsm: controlAsmSized,
            references: .init(total: refTotal, byUse: byUse, confirmedBySweep: confirmed, viaGOT: viaGOT, relaxed: 0),
            clobbers: .init(annotatedC: annC, annotatedAsm: annAsm, narrowC: narrowC, narrowAsm: narrowAsm),
            keys: keys)
        result.ops = ops
        result.alternatives = alternatives
        result.form = unit.form
        if unit.kernel != nil {
            result.kernel = unit.kernel
            result.retpoline = unit.retpoline
            result.objects = unit.pairs.count
            result.scope = unit.scope
        }
        return result
    }
}
