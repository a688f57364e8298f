import Pipeline
import Reports
import ArgumentParser
import RelocSites

struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare annotated sites with a relocation scan.",
        discussion: """
        With FILE... both strategies run on the same files and sites are matched \
        by address (a real kernel). With --annotated A --plain P, an annotated build \
        is compared with a plain build of the same source, matched by op and inline \
        chain of source lines.
        """
    )

    @Argument(help: "Files or directories for a same-object comparison.")
    var paths: [String] = []

    @Option(help: "Annotated build (cross-build mode).")
    var annotated: String?

    @Option(help: "Plain build (cross-build mode).")
    var plain: String?

    @Option(help: "naive, decoded or dataflow.")
    var policy: Policy = .dataflow

    @Option(help: "The ops table symbol (default: pv_ops or paravirt_ops).")
    var symbol: String?

    @Flag(help: "Skip source positions in same-object mode (faster on big images).")
    var noSource = false

    @OptionGroup var output: OutputOptions

    @OptionGroup var batch: BatchOptions

    func validate() throws {
        if (annotated == nil) != (plain == nil) {
            throw ValidationError("--annotated and --plain go together")
        }
        if annotated != nil && !paths.isEmpty {
            throw ValidationError("give either FILE... (same-object) or --annotated/--plain (cross-build), not both")
        }
        if annotated == nil && paths.isEmpty {
            throw ValidationError("give FILE... or --annotated A --plain P")
        }
    }

    func run() throws {
        let report: CompareReport
        var inputs = InputFiles.Expansion()
        if let annotated, let plain {
            report = CompareReport(CompareBatch(annotated: annotated, plain: plain, policy: policy, tableSymbol: symbol))
        } else {
            inputs = InputFiles.expand(paths)
            report = CompareReport(CompareBatch(sameObject: inputs.files, policy: policy, tableSymbol: symbol,
                                                sourcePositions: !noSource))
        }
        try BatchEnd(inputs: inputs, options: batch, output: output)
            .finish(report, failures: report.errors, text: report.text)
    }
}
