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

/// Where the corpus study finds the Linux A/B results it leads with: the
/// results recorded in the repository (`Kernels/results/*.json`, written by
/// `pvsites kernel study --record`) and this machine's own kernel studies
/// (`<kernel cache>/results/study-<version>.json`); a local one replaces a
/// recorded one of the same version and compilers when it is newer.
struct LinuxResultOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A `pvsites kernel study --format json` result to lead the report with, instead of the recorded and local ones (repeatable).",
                               valueName: "FILE"))
    var linux: [String] = []

    @Flag(name: .customLong("no-linux"), help: "Leave the Linux A/B out of the report.")
    var noLinux = false

    @Option(help: ArgumentHelp("The repository's Kernels/ directory, whose results/ holds the recorded Linux results (default: ./Kernels, else next to the executable).",
                             valueName: "dir"))
    var kernels: String?

    /// The named results (an error when one cannot be read), else the
    /// recorded and local ones (a warning for one that cannot be read: a
    /// newer pvsites may have written it). Empty when there are none.
    func load() throws -> [LinuxResult]? {
        guard !noLinux else { return nil }
        let recordedDirectory = KernelFiles.locate(kernels).map { RecordedResults.directory(kernels: $0) }
        guard linux.isEmpty else {
            return try linux.map { path in
                let inRecorded = recordedDirectory.map { URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
                    == URL(fileURLWithPath: $0).standardizedFileURL.path } ?? false
                return try Self.read(path, recorded: inRecorded)
            }
        }
        func readAll(_ paths: [String], recorded: Bool) -> [LinuxResult] {
            paths.compactMap { path in
                do {
                    return try Self.read(path, recorded: recorded)
                } catch let e as CLIError {
                    Diagnostics.warning("pvsites: warning: \(e.description); left out of the report (--linux FILE names another, --no-linux none)")
                    return nil
                } catch {
                    return nil
                }
            }
        }
        let recorded = readAll(recordedDirectory.map(RecordedResults.files) ?? [], recorded: true)
        let local = readAll(RecordedResults.files(in: KernelSetup.defaultCache + "/results").filter {
            URL(fileURLWithPath: $0).lastPathComponent.hasPrefix("study-")
        }, recorded: false)
        return LinuxResult.choose(recorded: recorded, local: local)
    }

    /// The boots the objections cite: the recorded ones
    /// (`Kernels/results/boots/<version>.json`), each replaced by this
    /// machine's boot of the same kernel, mode and policy when that file
    /// (`<kernel cache>/results/boot-<version>.json`) is newer. Nil with
    /// `--no-linux` or `--linux FILE` (those name the results themselves) or
    /// when there are none; a file that does not read is a warning.
    func loadBoots() -> [BootEvidence]? {
        guard !noLinux, linux.isEmpty else { return nil }
        func read(_ path: String) -> BootResults? {
            do { return try BootResults.load(path) } catch {
                Diagnostics.warning("pvsites: warning: \(error); its boots are left out of the report")
                return nil
            }
        }
        func jsonFiles(_ dir: String, prefix: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                .filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted().map { dir + "/" + $0 }
        }
        let recordedDir = KernelFiles.locate(kernels).map { RecordedResults.directory(kernels: $0) + "/boots" }
        var files: [String: (recorded: BootResults?, local: BootResults?)] = [:]
        for path in recordedDir.map({ jsonFiles($0, prefix: "") }) ?? [] {
            files[URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, default: (nil, nil)].recorded = read(path)
        }
        for path in jsonFiles(KernelSetup.defaultCache + "/results", prefix: "boot-") {
            let version = String(URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent.dropFirst("boot-".count))
            files[version, default: (nil, nil)].local = read(path)
        }
        let boots = files.keys.sorted().flatMap { version -> [BootEvidence] in
            let (recorded, local) = files[version]!
            // This machine's boots replace the recorded ones they repeat
            // when they are newer.
            let newer = local.flatMap { l in (l.tool?.date ?? "") > (recorded?.tool?.date ?? "") ? l : nil }
            guard let shown = newer.map({ recorded?.merging($0) ?? $0 }) ?? recorded else { return [] }
            let mine = Set(newer?.boots.map(BootResults.key) ?? [])
            return shown.boots.map { e in
                BootEvidence(kernel: e.kernel, mode: e.mode, policy: e.policy, hypervisor: e.hypervisor.rawValue,
                             records: e.records,
                             refused: e.refused.map { $0.values.reduce(0, +) }, simulatorFailed: e.check?.failed,
                             applied: e.applied, result: e.result.rawValue, seconds: e.seconds,
                             recorded: !mine.contains(BootResults.key(e)),
                             evidence: e.evidence.last, warnings: e.warnings)
            }
        }
        return boots.isEmpty ? nil : boots
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

    private static func read(_ path: String, recorded: Bool) throws -> LinuxResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(.notALinuxResult, "\(path): cannot read the Linux A/B result")
        }
        do {
            let result = try JSONDecoder().decode(StudyResult.self, from: data)
            guard result.configs.contains(where: { $0.kernel != nil }) else {
                throw CLIError(.notALinuxResult, "\(path): not a `pvsites kernel study` result (no config has a kernel)")
            }
            return LinuxResult(source: path, result: result, recorded: recorded)
        } catch let e as CLIError {
            throw e
        } catch {
            throw CLIError(.notALinuxResult, "\(path): not a study result this pvsites reads (\(Self.brief(error)))")
        }
    }
}
