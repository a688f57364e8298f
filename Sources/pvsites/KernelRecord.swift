import ArgumentParser
import Foundation
import Gate
import Kernel
import Pipeline
import Study

/// `kernel study --record` and `--check-recorded`: the recorded results
/// in `Kernels/results/`, one file per version and compiler.
enum KernelRecord {
    /// The result, one per compiler: its rows, examples and failures.
    static func split(_ result: StudyResult) -> [(String, StudyResult)] {
        var seen: [String] = []
        for c in result.configs where !seen.contains(c.compiler) { seen.append(c.compiler) }
        return seen.map { compiler in
            var one = StudyResult(MeasuredStudy(
                title: result.corpus, compilers: result.compilers.filter { $0.key == compiler }, skipped: [],
                configs: result.configs.filter { $0.compiler == compiler },
                examples: result.examples.filter { $0.config.hasPrefix(compiler + " ") },
                failures: result.failures.filter { $0.configuration.compiler == compiler }))
            one.tool = result.tool
            one.kernelSource = result.kernelSource
            return (compiler, one)
        }
    }

    /// Each compiler's rows against its recorded file: the differences on
    /// stderr and exit 1 when a count differs; exit 2 when a compiler has
    /// no recorded file or no row was compared.
    static func check(_ result: StudyResult, setup: KernelSetup) throws {
        var failed = false
        for (compiler, measured) in split(result) {
            let file = RecordedResults.file(kernels: setup.files, version: setup.kernel.name, compiler: compiler)
            guard FileManager.default.fileExists(atPath: file) else {
                throw CLIError(.nothingRecorded, "\(file): no recorded result for \(setup.kernel) \(compiler) (kernel study --record writes one)")
            }
            let recorded: StudyResult
            do { recorded = try GateBaseline.loadStudy(path: file) } catch { throw error }
            let check = RecordedCheck(recorded: recorded, measured: measured)
            guard check.compared > 0 else {
                throw CLIError(.nothingRecorded, "\(file): none of its rows was measured (its command: \(recorded.tool?.command ?? "?"))")
            }
            for d in check.differences { Diagnostics.warning("pvsites: differs from \(file): \(d)") }
            for n in check.notMeasured { Diagnostics.warning("pvsites: not measured, recorded in \(file): \(n)") }
            // On stderr: stdout has the report.
            Diagnostics.warning(check.differences.isEmpty
                  ? "recorded \(file): \(check.compared) rows, every count equal"
                  : "recorded \(file): \(check.differences.count) counts differ in \(check.compared) rows")
            failed = failed || !check.differences.isEmpty
        }
        if failed { throw ExitCode(1) }
    }
}
