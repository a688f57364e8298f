import Foundation
import Reports
import ArgumentParser
import MacroSites
import Pipeline

struct MacroCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "macro",
        abstract: "Read annotated call-site records (.parainstructions, .altinstructions).",
        discussion: """
        Layouts: clobbers ({instr; u8 type; u8 len; u16 clobbers}, 16 bytes), \
        linux-6.1 ({instr; u8 type; u8 len}, 16 bytes), linux-6.8 (packed 14-byte \
        alt_instr, sites flagged ALT_FLAG_DIRECT_CALL), or a spec such as \
        size=16,instr=0:8,type=8:1,len=9:1,clobbers=10:2 (add ,rel for a 32-bit \
        PC-relative instr field; flags=OFF:W:MASK to filter entries).
        """
    )

    @Argument(help: "Object files, kernel modules, vmlinux images, or directories.")
    var paths: [String]

    @Option(help: "The record section (default: .parainstructions, else .altinstructions).")
    var section: String?

    @Option(help: "Record layout: clobbers, linux-6.1, linux-6.8, or a SPEC (default: detected).")
    var layout: String?

    @Option(help: "The ops table symbol (default: pv_ops or paravirt_ops).")
    var symbol: String?

    @Option(name: .customLong("names-from"),
            help: ArgumentHelp("Name ops from FILE's DWARF (e.g. the plain build of the same source) where the objects' own DWARF does not name the table (default: the other files given).",
                               valueName: "file"))
    var namesFrom: [String] = []

    @Flag(help: "Skip source positions (faster on big images).")
    var noSource = false

    @OptionGroup var output: OutputOptions

    @OptionGroup var batch: BatchOptions

    func validate() throws {
        if let layout {
            do { _ = try RecordFormats.parse(layout) } catch { throw ValidationError(String(describing: error)) }
        }
    }

    func run() throws {
        let options = MacroOptions(section: section, format: try layout.map(RecordFormats.parse),
                                   tableSymbol: symbol, sourcePositions: !noSource)
        let inputs = InputFiles.expand(paths)
        for f in namesFrom where !FileManager.default.isReadableFile(atPath: f) {
            throw CLIError(.unreadableOption, "\(f): cannot read (--names-from)")
        }
        let report = MacroReport(MacroBatch(paths: inputs.files, options: options, namesFrom: namesFrom))
        try BatchEnd(inputs: inputs, options: batch, output: output)
            .finish(report, failures: report.errors, text: report.text)
    }
}
