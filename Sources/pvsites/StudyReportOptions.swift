import ArgumentParser
import Foundation
import Kernel
import Reports
import Study

/// What the study report shows besides its length: shared by `study` and
/// `kernel study` (whose `--full` already means "link vmlinux", so each
/// names its own whole-report flag).
struct ReportDetailOptions: ParsableArguments {
    @Option(help: "How many examples, one per cause (default 6; 0 for none).")
    var examples: Int = 6

    @Flag(name: .customLong("by-op"), help: "The per-op breakdown in the text report (markdown and HTML always have it).")
    var byOp = false

    func validate() throws {
        guard examples >= 0 else { throw ValidationError("--examples \(examples): must be 0 or more") }
    }

    func report(full: Bool) -> StudyReport.Options { StudyReport.Options(full: full, examples: examples, byOp: byOp) }
}

/// `study`'s report options.
struct StudyReportOptions: ParsableArguments {
    @Flag(help: "Every compiler's tables and every opt level, and the objections in full.")
    var full = false

    @OptionGroup var detail: ReportDetailOptions

    var report: StudyReport.Options { detail.report(full: full) }
}

/// Where the corpus study finds the Linux A/B result it leads with.
struct LinuxResultOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A `pvsites kernel study --format json` result to lead the report with (default: the last one `kernel study` left in the kernel cache, if any).",
                               valueName: "FILE"))
    var linux: String?

    @Flag(name: .customLong("no-linux"), help: "Leave the Linux A/B out of the report.")
    var noLinux = false

    /// The named result (an error when it cannot be read), else the
    /// cache's last 6.1 result when there is one (a warning, and no Linux
    /// rows, when that one cannot be read: a newer pvsites may have
    /// written it).
    func load() throws -> LinuxAB? {
        guard !noLinux else { return nil }
        guard linux == nil else { return try Self.read(linux!) }
        let path = KernelSetup.resultsFile(cache: KernelSetup.defaultCache, kernel: "6.1")
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        do {
            return try Self.read(path)
        } catch let e as CLIError {
            Diagnostics.warning("pvsites: warning: \(e.description); left out of the report (--linux FILE names another, --no-linux none)")
            return nil
        }
    }

    /// `configs[3].references.by_use: Cannot initialize ReferenceUse from "jmp-direct"`.
    static func brief(_ error: Error) -> String {
        let context: DecodingError.Context
        switch error as? DecodingError {
        case .dataCorrupted(let c)?, .keyNotFound(_, let c)?, .typeMismatch(_, let c)?, .valueNotFound(_, let c)?:
            context = c
        default:
            return String(describing: error)
        }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        return (path.isEmpty ? "" : String(path.drop { $0 == "." }) + ": ") + context.debugDescription
    }

    private static func read(_ path: String) throws -> LinuxAB {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("\(path): cannot read the Linux A/B result")
        }
        do {
            let result = try JSONDecoder().decode(StudyResult.self, from: data)
            guard result.configs.contains(where: { $0.kernel != nil }) else {
                throw CLIError("\(path): not a `pvsites kernel study` result (no config has a kernel)")
            }
            return LinuxAB(source: path, result: result)
        } catch let e as CLIError {
            throw e
        } catch {
            throw CLIError("\(path): not a study result this pvsites reads (\(Self.brief(error)))")
        }
    }
}
