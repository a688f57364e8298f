import Pipeline
import Reports
import ArgumentParser
import RelocSites

extension Policy: ExpressibleByArgument {}

struct RelocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reloc",
        abstract: "Find call sites by scanning relocations against the ops table.",
        discussion: """
        Policies: naive (every reference is a 6-byte site), decoded (calls and \
        jumps through memory at their decoded length), dataflow (also loads and \
        addresses followed to the call through a register, base register or \
        retpoline thunk).
        """
    )

    @Argument(help: "Object files, kernel modules, vmlinux images, or directories.")
    var paths: [String]

    @Option(help: "The ops table symbol (default: pv_ops or paravirt_ops).")
    var symbol: String?

    @Option(help: "naive, decoded or dataflow.")
    var policy: Policy = .dataflow

    @Flag(help: "Skip source positions (faster on big images).")
    var noSource = false

    @OptionGroup var output: OutputOptions

    @OptionGroup var batch: BatchOptions

    func run() throws {
        let options = RelocOptions(tableSymbol: symbol, policy: policy, sourcePositions: !noSource)
        let inputs = InputFiles.expand(paths)
        let report = RelocReport(RelocBatch(paths: inputs.files, options: options))
        try BatchEnd(inputs: inputs, options: batch, output: output)
            .finish(report, failures: report.errors, text: report.text)
    }
}
