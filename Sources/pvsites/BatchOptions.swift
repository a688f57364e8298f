import Pipeline
import Reports
import ArgumentParser
import Foundation

/// Options of the commands that read a batch of files (objinfo, macro,
/// reloc, compare).
struct BatchOptions: ParsableArguments {
    @Flag(inversion: .prefixedNo,
          help: "Report the other files when some fail (the default, for named files and directories alike); --no-keep-going prints no report if any file failed.")
    var keepGoing = true
}

/// How every batch command ends: each failed file on its own line, the
/// report (files skipped in a directory walk are counted in it), then the
/// count of failed files, and exit 2 when there were any. A named
/// directory with no object in it is an error too; when nothing at all was
/// read, its line is the only output.
struct BatchEnd {
    let inputs: InputFiles.Expansion
    let options: BatchOptions
    let output: OutputOptions

    /// `failures` are the report's; `text` and `json` render it.
    func finish<R: Encodable>(_ report: R, failures: [FileFailure], text: () -> String) throws {
        for f in failures { Diagnostics.error(f.line) }
        for dir in inputs.missing { Diagnostics.error("\(dir): cannot list the directory") }
        for dir in inputs.empty { Diagnostics.error("no objects found under \(dir)") }
        let unread = inputs.missing.count + inputs.empty.count
        if inputs.files.isEmpty && unread > 0 { throw ExitCode(2) }
        let failed = failures.count + unread
        if options.keepGoing || failed == 0 {
            switch output.format {
            case .text:
                var out = text()
                if !inputs.skipped.isEmpty {
                    out += "\(inputs.skipped.count) file\(inputs.skipped.count == 1 ? "" : "s") skipped "
                        + "(named like objects, but not ELF)\n"
                }
                try Output.write(out, to: output.output)
            case .json:
                try Output.write(try JSONOutput.encode(WithSkipped(report: report, skipped: inputs.skipped)),
                                 to: output.output)
            }
        }
        if failed > 0 {
            Diagnostics.failedCount(failed)
            throw ExitCode(2)
        }
    }
}

/// A report with one more top-level key: `skipped`, the files a directory
/// walk passed over because they are not ELF (always present, often empty).
struct WithSkipped<R: Encodable>: Encodable {
    let report: R
    let skipped: [String]

    private enum Key: String, CodingKey { case skipped }

    func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(skipped, forKey: .skipped)
    }
}
