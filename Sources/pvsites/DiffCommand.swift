import ArgumentParser
import Foundation
import Gate
import Reports
import Study

/// `pvsites diff OLD.json NEW.json`: what changed between two studies.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "What changed between two studies (pvsites study --format json), per configuration and policy.",
        discussion: """
            A line of totals, a line of counts, then each configuration and \
            policy that changed, with the site keys a scan found or lost and \
            the spurious sites that came or went, grouped by cause \
            transition, each site once. Configurations pair by \
            compiler, variant, opt, link form, form and kernel settings; two \
            studies of one compiler each (gcc against gcc-11) pair without the \
            compiler, two of one variant each (kernel against retpoline) \
            without the variant. Exit 0 whatever changed (the gate is \
            `pvsites gate`); 2 when a file cannot be read or no \
            configuration pairs.
            """
    )

    @Argument(help: ArgumentHelp("The earlier study (JSON).", valueName: "old.json"))
    var old: String

    @Argument(help: ArgumentHelp("The later study (JSON).", valueName: "new.json"))
    var new: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        let a = try Self.load(old)
        let b = try Self.load(new)
        let diff = StudyDiff(old: a, new: b)
        guard diff.paired > 0 else {
            throw CLIError(.nothingInCommon, "\(old), \(new): no configuration in common (\(Self.describe(a)) against \(Self.describe(b)))")
        }
        let report = DiffReport(diff, oldPath: old, newPath: new)
        switch output.format {
        case .text: try Output.write(report.text(), to: output.output)
        case .json: try Output.write(try report.json(), to: output.output)
        }
    }

    /// `gcc; kernel, retpoline; -O2`: a study's compilers, variants and
    /// opt levels, for the line that says nothing pairs.
    static func describe(_ r: StudyResult) -> String {
        func names(_ list: [String]) -> String {
            var seen: [String] = []
            for n in list where !seen.contains(n) { seen.append(n) }
            return seen.joined(separator: ", ")
        }
        return names(r.configs.map(\.compiler)) + "; " + names(r.configs.map(\.variant)) + "; " + names(r.configs.map(\.opt))
    }

    /// The study, or one line naming the file and the problem.
    static func load(_ path: String) throws -> StudyResult {
        do { return try GateBaseline.loadStudy(path: path) } catch { throw error }
    }
}
