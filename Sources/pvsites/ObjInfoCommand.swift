import Pipeline
import Reports
import ArgumentParser

struct ObjInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objinfo",
        abstract: "Per file: its type, symbol count, and the sections that carry relocations."
    )

    @Argument(help: "Object files, kernel modules (.ko, .ko.xz, .ko.zst, .ko.gz), vmlinux images, or directories.")
    var paths: [String]

    @OptionGroup var output: OutputOptions

    @OptionGroup var batch: BatchOptions

    func run() throws {
        let inputs = InputFiles.expand(paths)
        let report = ObjectInfoReport(ObjectInfo.read(paths: inputs.files))
        try BatchEnd(inputs: inputs, options: batch, output: output)
            .finish(report, failures: report.errors, text: report.text)
    }
}
