import Foundation
import Pipeline

/// One Linux A/B result carried by a corpus study (`linux[i]` in JSON):
/// a `pvsites kernel study` result of one kernel version, its rows told
/// apart by compiler, opt, retpoline, form and scope (`configs[i]`).
public struct LinuxResult: Codable, Sendable {
    /// `6.1`.
    public let version: String
    /// The file it was read from.
    public let source: String
    /// The A/B's title: `the Linux 6.1 A/B: linux-source-6.1 ...`.
    public let title: String
    /// Committed in the repository (`Kernels/results/`), measured where
    /// and when `tool` says; false: this machine's own kernel study.
    public let recorded: Bool
    /// The kernel study's `tool`: its pvsites version, date, and the
    /// command that reproduces it. Nil when the result has none.
    public let tool: StudyResult.Tool?
    /// Compiler name → `--version` first line.
    public let compilers: [String: String]
    public let configs: [ConfigResult]

    enum CodingKeys: String, CodingKey {
        case version, source, title, recorded, tool, compilers, configs
    }

    /// Also reads the single `linux` object of a study written before
    /// there could be several (`source`, `title`, `configs`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        source = try c.decode(String.self, forKey: .source)
        title = try c.decode(String.self, forKey: .title)
        configs = try c.decode([ConfigResult].self, forKey: .configs)
        recorded = try c.decodeIfPresent(Bool.self, forKey: .recorded) ?? false
        tool = try c.decodeIfPresent(StudyResult.Tool.self, forKey: .tool)
        compilers = try c.decodeIfPresent([String: String].self, forKey: .compilers) ?? [:]
        version = try c.decodeIfPresent(String.self, forKey: .version) ?? configs.lazy.compactMap(\.kernel).first ?? "?"
    }

    public init(source: String, result: StudyResult, recorded: Bool) {
        self.source = source
        title = result.corpus
        self.recorded = recorded
        tool = result.tool
        compilers = result.compilers
        configs = result.configs
        version = result.configs.lazy.compactMap(\.kernel).first ?? "?"
    }

    /// The compilers of its rows, in order.
    public var compilerNames: [String] {
        var seen: [String] = []
        for c in configs where !seen.contains(c.compiler) { seen.append(c.compiler) }
        return seen
    }

    /// The scopes of its rows: `subset`, `tree`, `vmlinux`.
    public var scopes: [Scope] {
        Scope.allCases.filter { s in configs.contains { ($0.scope ?? ($0.link == .linked ? .vmlinux : .subset)) == s } }
    }

    /// What leads the reports, one line: `Linux 6.1, gcc: subset, tree,
    /// vmlinux; recorded 2026-12-06` or `... this machine's kernel study
    /// of 2026-12-06`.
    public var headline: String {
        let date = tool.map { String($0.date.prefix(10)) }
        let origin = recorded ? "recorded" + (date.map { " \($0)" } ?? "")
            : "this machine's kernel study" + (date.map { " of \($0)" } ?? "")
        return "Linux \(version), \(compilerNames.joined(separator: "+")): "
            + scopes.map(\.rawValue).joined(separator: ", ") + "; " + origin
    }

    /// The command that reproduces it, when it says.
    public var command: String? { tool?.command }

    /// The one line the reports give when no Linux result was found.
    public static let noneLine = "Linux A/B: none recorded or measured here; pvsites kernel study --full"

    /// Which results lead the report: every local one (this machine's
    /// kernel studies), and every recorded one that no local result of
    /// the same version and compilers made later replaces. Ordered by
    /// version, then compilers; a local one before a recorded one.
    public static func choose(recorded: [LinuxResult], local: [LinuxResult]) -> [LinuxResult] {
        func identity(_ r: LinuxResult) -> String { r.version + " " + r.compilerNames.sorted().joined(separator: "+") }
        let kept = recorded.filter { r in
            !local.contains { l in identity(l) == identity(r) && (l.tool?.date ?? "") > (r.tool?.date ?? "") }
        }
        let newerLocal = local.filter { l in
            !recorded.contains { r in identity(l) == identity(r) && (l.tool?.date ?? "") <= (r.tool?.date ?? "") }
        }
        return (newerLocal + kept).enumerated().sorted {
            let a = $0.element, b = $1.element
            return (versionOrder(a.version), identity(a), a.recorded ? 1 : 0, $0.offset)
                < (versionOrder(b.version), identity(b), b.recorded ? 1 : 0, $1.offset)
        }.map(\.element)
    }

    /// `6.1` before `6.12`: by number, part by part (`00006.00001`).
    public static func versionOrder(_ v: String) -> String {
        v.split(separator: ".").map { p in String(repeating: "0", count: max(0, 5 - p.count)) + p }.joined(separator: ".")
    }
}

/// `linux` in a study's JSON: an array of results; a study written before
/// there could be several has one object there, read as a list of one.
struct LinuxResults: Codable, Sendable {
    var results: [LinuxResult]

    init(_ results: [LinuxResult]) { self.results = results }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let list = try? c.decode([LinuxResult].self) {
            results = list
        } else {
            results = [try c.decode(LinuxResult.self)]
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(results)
    }
}
