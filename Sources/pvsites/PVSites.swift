import ArgumentParser
import CorpusBuild
import ELF
import Foundation

/// The command line: thin. Commands parse options, call the engine in the
/// libraries, and print what it returns. Exit codes: 0 ok, 1 gate failed,
/// 2 bad input or usage.
@main
struct PVSites: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pvsites",
        abstract: "Measure how paravirt_ops call sites are found: annotated macros vs. relocation scanning.",
        version: "pvsites \(Version.describe)",
        subcommands: [ObjInfoCommand.self, MacroCommand.self, RelocCommand.self, RecordsCommand.self, CompareCommand.self, CorpusCommand.self, StudyCommand.self, DiffCommand.self, GateCommand.self, KernelCommand.self]
    )

    /// ArgumentParser exits 64 on usage errors; pvsites promises 2.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            // The CLI's own errors and the libraries' catalogued ones
            // (docs/messages.md): their one line, exit 2.
            if error is any CataloguedMessage {
                Diagnostics.error(String(describing: error))
                Foundation.exit(2)
            }
            if let stopped = error as? Subprocess.Interrupted {
                Diagnostics.error(stopped.description)
                Foundation.exit(128 + stopped.signal)
            }
            if let exit = error as? ExitCode {
                Foundation.exit(exit.rawValue)
            }
            let message = fullMessage(for: error)
            if !message.isEmpty { Diagnostics.error(message) }
            Foundation.exit(2)
        }
    }
}
