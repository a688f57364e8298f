import Study
import Reports
import CorpusBuild
import ArgumentParser
import Foundation

extension ReportFormat: ExpressibleByArgument {}

struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Build the corpus, run both strategies, compare, and report."
    )

    @OptionGroup var selection: CorpusOptions

    @Option(help: "Cache directory for builds (default: $PVSITES_CACHE/corpus or ~/.cache/pvsites/corpus).")
    var cache: String?

    @Option(help: "text, markdown, json or html.")
    var format: ReportFormat = .text

    @Option(name: .shortAndLong, help: "Write the report to FILE (atomically) instead of stdout.")
    var output: String?

    @OptionGroup var report: StudyReportOptions

    @OptionGroup var linux: LinuxResultOptions

    func run() throws {
        let corpus = try selection.load()
        let configs = try selection.buildableConfigurations(corpus)
        let runner = StudyRunner(corpus: corpus, cacheDirectory: cache ?? CorpusBuilder.defaultCacheDirectory)
        let linuxResult = try linux.load()
        var result = try runner.run(configs, progress: Progress.study(configs: configs.count))
        result.linux = linuxResult
        result.boots = linux.loadBoots()
        result.tool = Version.tool()
        Progress.finish()
        try Output.write(try format.render(result, options: report.report), to: output)
        for f in result.failures { Diagnostics.error(f.line) }
        if !result.failures.isEmpty {
            Diagnostics.failedCount(result.failures.count)
            throw ExitCode(2)
        }
    }
}
