import Compare
import CorpusBuild
import RelocSites
import Study
import Pipeline

/// The gate: compare a measured study with the baseline, configuration by
/// configuration and policy by policy.
///
/// Strategy: both sides are `GateBaseline`s (the measured study is turned
/// into one). For every (config, policy) of the baseline:
///   - coverage (annotated sites found in any shape: matched, size- and
///     kind-mismatched, clobber-unsafe) must not drop;
///   - no key may be newly missed or newly spurious (keys are multisets:
///     one more copy of a key is one more site);
/// `allowDrop` lets each (config, policy) lose up to that many sites (the
/// coverage drop and the newly missed keys); new spurious sites still fail.
/// A baseline config absent from the results is a regression, unless its
/// compiler is not installed (skipped) or the selection left it out. What
/// got better, and what moved between shapes without changing coverage, is
/// reported apart and never fails the gate.
public struct GateComparison: Sendable {
    public let regressions: [GateFinding]
    /// Losses within `allowDrop`.
    public let allowed: [GateFinding]
    public let improvements: [GateFinding]
    /// Neither better nor worse: counts that moved between shapes, causes
    /// that changed, configurations and policies new to the baseline.
    public let changes: [GateFinding]
    public let skipped: [GateSkip]
    /// Baseline configurations the selection (--compiler, --variant, --opt)
    /// left out.
    public let notSelected: [ConfigID]
    /// Compiler name → (baseline version, measured version), when they differ.
    public let compilerChanges: [String: (baseline: String, measured: String)]
    /// Every (config, policy) looked at, for JUnit; policy nil for a
    /// configuration-wide case (a build failure).
    public let cases: [GateCase]
    public let allowDrop: Int

    public var passed: Bool { regressions.isEmpty }
    /// (config, policy) pairs compared on both sides.
    public var compared: Int { cases.filter { $0.status == .compared }.count }

    public init(baseline: GateBaseline, measured: GateBaseline, skipped: [SkippedCompiler] = [],
                failures: [BuildFailure] = [], allowDrop: Int = 0,
                isSelected: (BuildConfiguration, Form) -> Bool = { _, _ in true }) {
        self.allowDrop = allowDrop
        var regressions: [GateFinding] = [], allowed: [GateFinding] = []
        var improvements: [GateFinding] = [], changes: [GateFinding] = []
        var cases: [GateCase] = []
        var skips: [String: GateSkip] = [:]
        var notSelected: [ConfigID] = []
        let skippedReason = Dictionary(skipped.map { ($0.compiler, $0.reason) }, uniquingKeysWith: { a, _ in a })
        var selected: [GateBaseline.Config] = []
        for b in baseline.configs.sorted(by: { $0.id < $1.id }) {
            if isSelected(b.id.configuration, b.id.form) { selected.append(b) } else { notSelected.append(b.id) }
        }
        let diff = KeyedDiff(old: selected.map { ($0.id, $0) },
                             new: measured.configs.sorted(by: { $0.id < $1.id }).filter { isSelected($0.id.configuration, $0.id.form) }
                                 .map { ($0.id, $0) })

        for (id, b, m) in diff.old {
            let name = id.description
            guard let m else {
                if let reason = skippedReason[id.compiler] {
                    skips[id.compiler, default: GateSkip(compiler: id.compiler, reason: reason, configs: [])].configs.append(name)
                    for p in b.policies.keys.sortedByName() { cases.append(GateCase(config: name, policy: p, status: .skipped(reason))) }
                } else {
                    for p in b.policies.keys.sortedByName() {
                        regressions.append(GateFinding(.missingConfig, config: name, policy: p,
                                                       detail: "in the baseline, not in the results"))
                        cases.append(GateCase(config: name, policy: p, status: .compared))
                    }
                }
                continue
            }
            for p in Set(b.policies.keys).union(m.policies.keys).sortedByName() {
                cases.append(GateCase(config: name, policy: p, status: .compared))
                guard let bp = b.policies[p] else {
                    changes.append(GateFinding(.newPolicy, config: name, policy: p, detail: "new policy (not in the baseline)"))
                    continue
                }
                guard let mp = m.policies[p] else {
                    regressions.append(GateFinding(.missingPolicy, config: name, policy: p,
                                                   detail: "in the baseline, not in the results"))
                    continue
                }
                let d = Self.compare(bp, mp, config: name, policy: p, allowDrop: allowDrop)
                regressions += d.regressions
                allowed += d.allowed
                improvements += d.improvements
                changes += d.changes
            }
        }
        for (id, m) in diff.onlyNew {
            changes.append(GateFinding(.newConfig, config: id.description, policy: nil,
                                       detail: "new configuration (not in the baseline)"))
            for p in m.policies.keys.sortedByName() { cases.append(GateCase(config: id.description, policy: p, status: .compared)) }
        }
        // A file that did not build or could not be read leaves its
        // configuration measured in part: never a clean result.
        var failedConfigs = Set<String>()
        // An annotated build serves every form: its failure counts when any does.
        for f in failures where f.mode.form.map({ isSelected(f.configuration, $0) }) ?? Form.allCases.contains(where: { isSelected(f.configuration, $0) }) {
            let name = f.configuration.description
            regressions.append(GateFinding(.buildFailed, config: name, policy: nil, detail: f.line))
            if failedConfigs.insert(name).inserted { cases.append(GateCase(config: name, policy: nil, status: .compared)) }
        }
        var compilerChanges: [String: (baseline: String, measured: String)] = [:]
        for (c, v) in measured.compilers {
            if let old = baseline.compilers[c], old != v { compilerChanges[c] = (old, v) }
        }
        self.regressions = regressions
        self.allowed = allowed
        self.improvements = improvements
        self.changes = changes
        self.cases = cases
        self.skipped = skips.keys.sorted().map { skips[$0]! }
        self.notSelected = notSelected
        self.compilerChanges = compilerChanges
    }

    private struct PolicyDiff {
        var regressions: [GateFinding] = []
        var allowed: [GateFinding] = []
        var improvements: [GateFinding] = []
        var changes: [GateFinding] = []
    }

    private static func compare(_ b: GateBaseline.PolicyEntry, _ m: GateBaseline.PolicyEntry, config: String,
                                policy: Policy, allowDrop: Int) -> PolicyDiff {
        var d = PolicyDiff()
        let before = b.counts.coverage, after = m.counts.coverage
        if after < before {
            let lost = before - after
            let f = GateFinding(.coverageDropped, config: config, policy: policy,
                                detail: "coverage \(before) -> \(after) (lost \(lost))")
            if lost > allowDrop { d.regressions.append(f) } else { d.allowed.append(f) }
        } else if after > before {
            d.improvements.append(GateFinding(.coverageRose, config: config, policy: policy,
                                              detail: "coverage \(before) -> \(after) (gained \(after - before))"))
        }
        let missed = KeyDelta.deltas(old: b.missed, new: m.missed)
        let spurious = KeyDelta.deltas(old: b.spurious, new: m.spurious)
        let newlyMissed = Self.added(missed)
        let missedFindings = newlyMissed.map {
            GateFinding(.missed, config: config, policy: policy, key: $0.key.description, cause: $0.cause?.rawValue, detail: "newly missed")
        }
        if newlyMissed.count > allowDrop { d.regressions += missedFindings } else { d.allowed += missedFindings }
        d.regressions += Self.added(spurious).map {
            GateFinding(.spurious, config: config, policy: policy, key: $0.key.description, cause: $0.cause?.rawValue, detail: "newly spurious")
        }
        d.improvements += Self.removed(missed).map {
            GateFinding(.noLongerMissed, config: config, policy: policy, key: $0.key.description, cause: $0.cause?.rawValue,
                        detail: "no longer missed")
        }
        d.improvements += Self.removed(spurious).map {
            GateFinding(.noLongerSpurious, config: config, policy: policy, key: $0.key.description, cause: $0.cause?.rawValue,
                        detail: "no longer spurious")
        }
        d.changes += causeChanges(missed, outcome: "missed", config: config, policy: policy)
        d.changes += causeChanges(spurious, outcome: "spurious", config: config, policy: policy)
        var moved: [String] = []
        for n in Set(b.counts.values.keys).union(m.counts.values.keys).sorted() where b.counts[n] != m.counts[n] {
            moved.append("\(n) \(b.counts[n]) -> \(m.counts[n])")
        }
        for c in Set(b.counts.causes.keys).union(m.counts.causes.keys).sorted()
        where b.counts.causes[c, default: 0] != m.counts.causes[c, default: 0] {
            moved.append("causes.\(c) \(b.counts.causes[c, default: 0]) -> \(m.counts.causes[c, default: 0])")
        }
        if !moved.isEmpty {
            d.changes.append(GateFinding(.countsChanged, config: config, policy: policy, detail: moved.joined(separator: ", ")))
        }
        return d
    }

    /// The entries a key has more often on the new side (multisets by
    /// key), preferring those whose cause the old side lacks.
    static func added(_ deltas: [KeyDelta]) -> [ConfigResult.KeyedOutcome] {
        var out: [ConfigResult.KeyedOutcome] = []
        for d in deltas where d.new.count > d.old.count {
            let byName = { (c: Cause?) in c?.rawValue ?? "" }
            let preferred = d.came.sorted { byName($0) < byName($1) } + d.kept.sorted { byName($0) < byName($1) }
            out += preferred.prefix(d.new.count - d.old.count).map { ConfigResult.KeyedOutcome(key: d.key, cause: $0) }
        }
        return out.sorted()
    }

    /// The entries a key has more often on the old side.
    static func removed(_ deltas: [KeyDelta]) -> [ConfigResult.KeyedOutcome] {
        added(deltas.map { KeyDelta(key: $0.key, old: $0.new, new: $0.old) })
    }

    /// Keys on both sides as often, whose causes differ.
    private static func causeChanges(_ deltas: [KeyDelta], outcome: String, config: String, policy: Policy) -> [GateFinding] {
        var out: [GateFinding] = []
        for d in deltas where !d.old.isEmpty && d.old.count == d.new.count {
            let c0 = d.old.map { $0?.rawValue ?? "-" }.sorted(), c1 = d.new.map { $0?.rawValue ?? "-" }.sorted()
            if c0 != c1 {
                out.append(GateFinding(.causeChanged, config: config, policy: policy, key: d.key.description, cause: c1.joined(separator: ","),
                                       detail: "\(outcome), cause \(c0.joined(separator: ",")) -> \(c1.joined(separator: ","))"))
            }
        }
        return out
    }
}

/// One thing the gate found, at one configuration (and policy, and key).
public struct GateFinding: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        // Regressions.
        case coverageDropped = "coverage-dropped"
        case missed
        case spurious
        case missingConfig = "missing-config"
        case missingPolicy = "missing-policy"
        case buildFailed = "build-failed"
        // Improvements.
        case coverageRose = "coverage-rose"
        case noLongerMissed = "no-longer-missed"
        case noLongerSpurious = "no-longer-spurious"
        // Neither.
        case countsChanged = "counts-changed"
        case causeChanged = "cause-changed"
        case newConfig = "new-config"
        case newPolicy = "new-policy"
    }

    public let kind: Kind
    /// `gcc kernel -O2 object` (a build failure: `gcc kernel -O2`).
    public let config: String
    public let policy: Policy?
    public let key: String?
    public let cause: String?
    /// What happened, in a few words: `coverage 138 -> 137 (lost 1)`.
    public let detail: String

    public init(_ kind: Kind, config: String, policy: Policy?, key: String? = nil, cause: String? = nil, detail: String) {
        self.kind = kind
        self.config = config
        self.policy = policy
        self.key = key
        self.cause = cause
        self.detail = detail
    }

    /// `gcc kernel -O2 object, dataflow: newly missed: irq_disable @ paravirt.h:44 (pointer-in-register)`
    public var line: String {
        var s = config + (policy.map { ", " + $0.rawValue } ?? "") + ": " + detail
        if let key {
            s += ": " + key
            if let cause, kind != .causeChanged { s += " (\(cause))" }
        }
        return s
    }
}

/// A compiler of the baseline that is not installed here.
public struct GateSkip: Sendable, Hashable {
    public let compiler: String
    public let reason: String
    public var configs: [String]
}

/// A JUnit test case: one (config, policy).
public struct GateCase: Sendable, Hashable {
    public enum Status: Sendable, Hashable {
        case compared
        case skipped(String)
    }

    public let config: String
    public let policy: Policy?
    public let status: Status
}

// MARK: - Update

extension GateBaseline {
    /// The baseline after `--update`: the measured configurations, plus
    /// those of the old baseline the run could not measure because their
    /// compiler is not installed or the selection left them out.
    public static func updated(old: GateBaseline?, measured: GateBaseline, skipped: [SkippedCompiler],
                               isSelected: (BuildConfiguration, Form) -> Bool) -> GateBaseline {
        let notInstalled = Set(skipped.map(\.compiler))
        var configs = measured.configs.filter { isSelected($0.id.configuration, $0.id.form) }
        let have = Set(configs.map(\.id))
        var compilers: [String: String] = [:]
        for c in configs { compilers[c.compiler] = measured.compilers[c.compiler] }
        for c in old?.configs ?? [] where !have.contains(c.id) {
            if !isSelected(c.id.configuration, c.id.form) || notInstalled.contains(c.compiler) {
                configs.append(c)
                if compilers[c.compiler] == nil { compilers[c.compiler] = old?.compilers[c.compiler] }
            }
        }
        return GateBaseline(compilers: compilers, configs: configs)
    }
}

// MARK: - Text

/// The gate's report for humans and e-mail: plain ASCII, stable order,
/// one finding per line (each line names its config, policy, key, cause).
public enum GateReport {
    public enum Mode: Sendable {
        /// A check: regressions fail.
        case check
        /// `--update`: the diff of the baseline being rewritten.
        case update(written: Bool)
    }

    public static func text(_ c: GateComparison, baseline path: String, mode: Mode) -> String {
        var out: [String] = []
        let update: Bool
        switch mode {
        case .check: update = false; out.append("pvsites gate: \(path)")
        case .update: update = true; out.append("pvsites gate --update: \(path)")
        }
        let configs = Set(c.cases.filter { $0.status == .compared && $0.policy != nil }.map(\.config)).count
        out.append("compared \(plural(c.compared, "result")) (config x policy) in \(plural(configs, "configuration"))")
        for s in c.skipped {
            out.append("skipped \(s.compiler) (\(plural(s.configs.count, "configuration")) in the baseline): \(s.reason)")
        }
        if !c.notSelected.isEmpty {
            out.append("not selected: \(plural(c.notSelected.count, "configuration")) of the baseline")
        }
        for name in c.compilerChanges.keys.sorted() {
            let v = c.compilerChanges[name]!
            out.append("compiler \(name) changed: baseline '\(v.baseline)', now '\(v.measured)'")
        }
        func section(_ title: String, _ findings: [GateFinding], suffix: (GateFinding) -> String = { _ in "" }) {
            guard !findings.isEmpty else { return }
            out.append("")
            out.append("\(title) (\(findings.count)):")
            for f in findings { out.append("  " + f.line + suffix(f)) }
        }
        if update {
            section("worse, now in the baseline", c.regressions + c.allowed) {
                $0.kind == .missingConfig ? " (removed)" : ""
            }
            section("better", c.improvements)
        } else {
            section("regressed", c.regressions)
            section("allowed by --allow-drop \(c.allowDrop)", c.allowed)
            section("improved", c.improvements)
        }
        section("changed, not gated", c.changes)
        out.append("")
        switch mode {
        case .check where c.passed:
            var s = "gate: passed"
            if !c.improvements.isEmpty || !c.changes.isEmpty {
                s += " (\(c.improvements.count) improved, \(c.changes.count) changed; keep them with: "
                    + "pvsites gate --baseline \(path) --update)"
            }
            out.append(s)
        case .check:
            let where_ = Set(c.regressions.map(\.config)).count
            out.append("gate: FAILED: \(plural(c.regressions.count, "regression")) in \(plural(where_, "configuration"))")
        case .update(let written):
            out.append(written ? "baseline written: \(path)" : "baseline unchanged: \(path)")
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func plural(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
