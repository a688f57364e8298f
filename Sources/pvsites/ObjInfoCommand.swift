import ArgumentParser
import Study

struct ObjInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "objinfo",
        abstract: "Per file: its type, symbol count, and the sections that carry relocations."
    )

    @Argument(help: "Object files, kernel modules (.ko, .ko.xz, .ko.zst, .ko.gz), vmlinux images, or directories.")
    var paths: [String]

    @OptionGroup var output: OutputOptions

    func run() throws {
        let inputs = InputFiles.expand(paths)
        let report = ObjectInfoReport(paths: inputs.files)
        for f in report.errors { Diagnostics.error(f.line) }
        switch output.format {
        case .text: try Output.write(report.text(), to: output.output)
        case .json: try Output.write(try JSONOutput.encode(report), to: output.output)
        }
        if !report.errors.isEmpty || !inputs.missing.isEmpty { throw ExitCode(2) }
    }
}
