import Study
import Gate
import Reports
import CorpusBuild
import ArgumentParser
import Foundation

/// `pvsites gate`: the study as a CI gate. Exit 0 when nothing regressed,
/// 1 when something did, 2 on bad input (baseline missing, unreadable, of
/// another schema; a results file that is not a study).
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Compare a study with the committed baseline; exit 1 on a regression.",
        discussion: """
            Runs the study (or reads one with --results) and compares every \
            (compiler, variant, opt, link, policy) with the baseline: coverage \
            (\(GateCounts.coverageNames.joined(separator: " + "))) must not \
            drop, and no site key may become missed or spurious. Configurations of \
            a compiler that is not installed are skipped. --update rewrites the \
            baseline atomically and prints what changed.
            """
    )

    @Option(help: ArgumentHelp("The baseline file (e.g. Corpus/baseline.json).", valueName: "file"))
    var baseline: String

    @Option(help: ArgumentHelp("Compare this study JSON (pvsites study --format json) instead of running the study.",
                             valueName: "file"))
    var results: String?

    @OptionGroup var selection: CorpusOptions

    @Option(name: .customLong("form"),
            help: ArgumentHelp("Only this unannotated form: plain or direct (repeatable; default every form the corpus builds). "
                               + "The other form's baseline entries are kept, as for a compiler left out.", valueName: "form"))
    var forms: [Form] = []

    @Option(help: ArgumentHelp("Cache directory for builds (default: $PVSITES_CACHE/corpus or ~/.cache/pvsites/corpus).",
                             valueName: "dir"))
    var cache: String?

    @Option(name: .customLong("allow-drop"),
            help: ArgumentHelp("Let each configuration and policy lose up to N sites (new spurious sites still fail).",
                               valueName: "n"))
    var allowDrop: Int = 0

    @Flag(help: "Rewrite the baseline from these results (atomically) and print what changed.")
    var update = false

    @Option(help: ArgumentHelp("Also write the result as JUnit XML to FILE (one test case per config and policy).",
                             valueName: "file"))
    var junit: String?

    func validate() throws {
        if allowDrop < 0 { throw ValidationError("--allow-drop must be 0 or more") }
        if results != nil && cache != nil { throw ValidationError("--cache applies when the gate runs the study, not with --results") }
        if update && junit != nil { throw ValidationError("--junit reports a check; it does not go with --update") }
    }

    func run() throws {
        // The baseline first: a wrong path should not cost a study run.
        var old: GateBaseline?
        do {
            old = try GateBaseline.load(path: baseline)
        } catch .missing where update {
            old = nil
        } catch {
            throw error
        }

        let result: StudyResult
        var isSelected: (BuildConfiguration, Form) -> Bool = { _, _ in true }
        let formSelected = { (f: Form) in forms.isEmpty || forms.contains(f) }
        if let results {
            do { result = try GateBaseline.loadStudy(path: results) } catch { throw error }
            let (c, v, o) = (selection.compilers, selection.variants, selection.opts)
            // A misspelt name would select nothing and pass: refuse names
            // neither side knows.
            let known = (old?.configs.map(\.id.configuration) ?? []) + result.configs.map(\.configuration)
            for (option, names, have) in [("compiler", c, Set(known.map(\.compiler)).union(result.skipped.map(\.compiler))),
                                          ("variant", v, Set(known.map(\.variant))), ("opt", o, Set(known.map(\.opt)))] {
                for n in names where !have.contains(n) {
                    throw CLIError(.notInResults, "--\(option) \(n): in neither \(baseline) nor \(results)")
                }
            }
            isSelected = { cfg, form in
                (c.isEmpty || c.contains(cfg.compiler)) && (v.isEmpty || v.contains(cfg.variant))
                    && (o.isEmpty || o.contains(cfg.opt)) && formSelected(form)
            }
        } else {
            let corpus = try selection.load()
            let configs = try selection.configurations(corpus)
            let chosen = Set(configs)
            let installed = Set(corpus.availableCompilers().available.map(\.name))
            let (c, v, o) = (selection.compilers, selection.variants, selection.opts)
            // Selected: what this run measured, and, for compilers not
            // installed, what the options would have picked (reported as
            // skipped rather than not selected).
            isSelected = { cfg, form in
                formSelected(form) && (installed.contains(cfg.compiler) ? chosen.contains(cfg)
                    : (c.isEmpty || c.contains(cfg.compiler)) && (v.isEmpty || v.contains(cfg.variant))
                        && (o.isEmpty || o.contains(cfg.opt)))
            }
            for f in forms where !corpus.forms.contains(f) {
                throw CLIError(.notInCorpus, "--form \(f.rawValue): \(selection.corpus)/configs.json does not build it")
            }
            var runner = StudyRunner(corpus: corpus, cacheDirectory: cache ?? CorpusBuilder.defaultCacheDirectory)
            if !forms.isEmpty { runner.forms = corpus.forms.filter(formSelected) }
            // The gate compares counts and keys: no examples (each costs a
            // disassembly, and they were a fifth of its time).
            runner.examplesPerCause = 0
            result = try runner.run(configs, progress: Progress.study(configs: configs.count))
            Progress.finish()
        }
        for f in result.failures { Diagnostics.error(f.line) }

        let measured = GateBaseline(result)
        if update {
            guard result.failures.isEmpty else {
                throw CLIError(.notUpdated, "\(baseline): not updated: the study had \(TextTable.count(result.failures.count, "failure"))")
            }
            let new = GateBaseline.updated(old: old, measured: measured, skipped: result.skipped, isSelected: isSelected)
            let comparison = GateComparison(baseline: old ?? GateBaseline(compilers: [:], configs: []), measured: new,
                                            skipped: result.skipped, isSelected: isSelected)
            let text = new.render()
            let current = FileManager.default.contents(atPath: baseline)
            let written = current != Data(text.utf8)
            if written {
                do { try GateAtomicFile.replace(baseline, contents: Data(text.utf8)) } catch { throw error }
            }
            print(GateReport.text(comparison, baseline: baseline, mode: .update(written: written)), terminator: "")
            return
        }

        let comparison = GateComparison(baseline: old!, measured: measured, skipped: result.skipped,
                                        failures: result.failures, allowDrop: allowDrop, isSelected: isSelected)
        if let junit {
            do {
                try GateAtomicFile.replace(junit, contents: Data(GateJUnit.render(comparison, baseline: baseline).utf8))
            } catch {
                throw error
            }
        }
        print(GateReport.text(comparison, baseline: baseline, mode: .check), terminator: "")
        if !comparison.passed { throw ExitCode(1) }
    }
}
