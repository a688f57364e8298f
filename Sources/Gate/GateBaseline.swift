import Study
import Compare
import CorpusBuild
import Foundation
import RelocSites
import Pipeline

/// The gate's committed baseline (`Corpus/baseline.json`): for every
/// (compiler, variant, opt, link, form) and policy of a study, the counts under
/// the names the study JSON uses, and the missed and spurious site keys.
///
/// The file is written for review: keys sorted, configurations sorted,
/// site keys sorted with one per line, so that the diff of a commit that
/// updates it says which sites changed. `GateBaseline(result)` is also what
/// the gate compares: the measured study is turned into the same shape.
public struct GateBaseline: Codable, Sendable, Equatable {
    /// Bumped when a field changes meaning or goes away.
    public static let currentSchema = 1

    public var schema = GateBaseline.currentSchema
    /// Compiler name → `--version` first line, of the compilers that
    /// produced the configurations below.
    public var compilers: [String: String]
    /// Sorted by (compiler, variant, opt, link).
    public var configs: [Config]

    public struct Config: Codable, Sendable, Equatable {
        public let compiler: String
        public let variant: String
        public let opt: String
        public let link: LinkForm
        /// Nil for the plain form (so a baseline written before the direct
        /// form reads, and its plain entries are unchanged), `direct` else.
        public let form: Form?
        /// `tree` for the Linux A/B's whole-tree objects, else nil.
        public let scope: Scope?
        /// What each policy found.
        public var policies: [Policy: PolicyEntry]

        /// The kernel and retpolines of a Linux row are in its variant's
        /// name: the baseline does not repeat them.
        public init(_ id: ConfigID, policies: [Policy: PolicyEntry]) {
            compiler = id.compiler
            variant = id.variant
            opt = id.opt
            link = id.link
            form = id.form == .plain ? nil : id.form
            scope = id.scope
            self.policies = policies
        }

        public var id: ConfigID {
            ConfigID(compiler: compiler, variant: variant, opt: opt, link: link, form: form ?? .plain, scope: scope)
        }
    }

    /// One policy in one configuration.
    public struct PolicyEntry: Codable, Sendable, Equatable {
        public var counts: GateCounts
        /// Multisets (one source line can give several sites), sorted.
        public var missed: [ConfigResult.KeyedOutcome]
        public var spurious: [ConfigResult.KeyedOutcome]

        public init(counts: GateCounts, missed: [ConfigResult.KeyedOutcome], spurious: [ConfigResult.KeyedOutcome]) {
            self.counts = counts
            self.missed = missed.sorted()
            self.spurious = spurious.sorted()
        }
    }

    public init(compilers: [String: String], configs: [Config]) {
        self.compilers = compilers
        self.configs = configs.sorted { $0.id < $1.id }
    }

    /// The baseline these study results would write.
    public init(_ result: StudyResult) {
        var configs: [Config] = []
        for c in result.configs {
            var policies: [Policy: PolicyEntry] = [:]
            for (policy, counts) in c.policies {
                let keys = c.keys[policy]
                policies[policy] = PolicyEntry(counts: GateCounts(counts), missed: keys?.missed ?? [],
                                             spurious: keys?.spurious ?? [])
            }
            configs.append(Config(c.id, policies: policies))
        }
        self.init(compilers: result.compilers, configs: configs)
    }

    public func find(_ id: ConfigID) -> Config? { configs.first { $0.id == id } }
}

extension Sequence<Policy> {
    /// By name: the order of the baseline file and of the gate's reports.
    func sortedByName() -> [Policy] { sorted { $0.rawValue < $1.rawValue } }
}

/// The counts of one comparison as the study JSON names them (`matched`,
/// `missed`, `size_mismatched`, ...; `causes` apart). Kept as a dictionary
/// rather than `Counts` so that a baseline written before `Counts` gained a
/// field still reads, and a new field is recorded without touching the gate.
public struct GateCounts: Codable, Sendable, Equatable {
    public var values: [String: Int]
    /// Cause → count, over missed and spurious.
    public var causes: [String: Int]

    /// The counts of the outcome kinds that find an annotated site in some
    /// shape (`OutcomeKind.isFound`): coverage, the same sum as `Counts.found`.
    public static var coverageNames: [String] { OutcomeKind.allCases.filter(\.isFound).map(\.countName) }

    public init(values: [String: Int], causes: [String: Int] = [:]) {
        self.values = values
        self.causes = causes
    }

    /// Under `Counts`'s own names, so the names cannot drift.
    public init(_ counts: Counts) {
        self.init(values: counts.named,
                  causes: Dictionary(uniqueKeysWithValues: counts.causes.map { ($0.key.rawValue, $0.value) }))
    }

    public subscript(name: String) -> Int { values[name] ?? 0 }

    /// Annotated sites found in any shape.
    public var coverage: Int { Self.coverageNames.reduce(0) { $0 + self[$1] } }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        var values: [String: Int] = [:], causes: [String: Int] = [:]
        for k in c.allKeys {
            if k.stringValue == "causes" {
                causes = try c.decode([String: Int].self, forKey: k)
            } else {
                values[k.stringValue] = try c.decode(Int.self, forKey: k)
            }
        }
        self.init(values: values, causes: causes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: AnyKey.self)
        for (k, v) in values { try c.encode(v, forKey: AnyKey(stringValue: k)) }
        try c.encode(causes, forKey: AnyKey(stringValue: "causes"))
    }
}

/// Why a baseline could not be read or written: one line, naming the file.
public enum GateFileError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case notJSON(path: String)
    case notBaseline(path: String, reason: String)
    case schema(path: String, found: Int)
    case cannotWrite(path: String, reason: String)
    case notStudy(path: String, reason: String)

    public var description: String {
        switch self {
        case .missing(let p):
            return "\(p): no such baseline (write one with: pvsites gate --baseline \(p) --update)"
        case .unreadable(let p, let why): return "\(p): cannot read: \(why)"
        case .notJSON(let p): return "\(p): not a pvsites baseline: not valid JSON"
        case .notBaseline(let p, let why): return "\(p): not a pvsites baseline: \(why)"
        case .schema(let p, let found):
            return "\(p): baseline schema \(found), this pvsites reads \(GateBaseline.currentSchema)"
                + " (regenerate it with --update after removing it)"
        case .cannotWrite(let p, let why): return "\(p): cannot write: \(why)"
        case .notStudy(let p, let why): return "\(p): not a pvsites study JSON: \(why)"
        }
    }
}

extension GateBaseline {
    /// Read and check a baseline file.
    public static func load(path: String) throws(GateFileError) -> GateBaseline {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .missing(path: path)
        }
        if isDirectory.boolValue { throw .unreadable(path: path, reason: "is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        return try decode(data, path: path)
    }

    /// Parse baseline bytes; `path` names them in errors.
    public static func decode(_ data: Data, path: String) throws(GateFileError) -> GateBaseline {
        guard let object = try? JSONSerialization.jsonObject(with: data) else { throw .notJSON(path: path) }
        guard let top = object as? [String: Any] else { throw .notBaseline(path: path, reason: "not a JSON object") }
        guard let schema = top["schema"] as? Int else { throw .notBaseline(path: path, reason: "no integer 'schema'") }
        guard schema == currentSchema else { throw .schema(path: path, found: schema) }
        do {
            let b = try JSONDecoder().decode(GateBaseline.self, from: data)
            return GateBaseline(compilers: b.compilers, configs: b.configs)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw .notBaseline(path: path, reason: "missing '\(key.stringValue)' at \(Self.where_(ctx))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .notBaseline(path: path, reason: "wrong type at \(Self.where_(ctx))")
        } catch let DecodingError.valueNotFound(_, ctx) {
            throw .notBaseline(path: path, reason: "null at \(Self.where_(ctx))")
        } catch {
            throw .notBaseline(path: path, reason: "cannot decode")
        }
    }

    private static func where_(_ ctx: DecodingError.Context) -> String {
        let path = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        return path.isEmpty ? "the top" : String(path.drop { $0 == "." })
    }

    /// Read a study JSON (`pvsites study --format json`).
    public static func loadStudy(path: String) throws(GateFileError) -> StudyResult {
        guard FileManager.default.fileExists(atPath: path) else {
            throw .unreadable(path: path, reason: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw .notStudy(path: path, reason: "not a JSON object")
        }
        guard let schema = object["schema"] as? Int else { throw .notStudy(path: path, reason: "no integer 'schema'") }
        guard schema == StudyResult.currentSchema else {
            throw .notStudy(path: path, reason: "schema \(schema), this pvsites reads \(StudyResult.currentSchema)")
        }
        do {
            return try JSONDecoder().decode(StudyResult.self, from: data)
        } catch let DecodingError.keyNotFound(key, ctx) {
            throw .notStudy(path: path, reason: "missing '\(key.stringValue)' at \(Self.where_(ctx))")
        } catch let DecodingError.typeMismatch(_, ctx) {
            throw .notStudy(path: path, reason: "wrong type at \(Self.where_(ctx))")
        } catch {
            throw .notStudy(path: path, reason: "cannot decode")
        }
    }
}

// MARK: - Rendering

extension GateBaseline {
    static let about = "pvsites gate baseline: per configuration and policy, the counts of the study JSON and the "
        + "missed and spurious site keys. Regenerate with: pvsites gate --baseline FILE --update"

    /// The file's text: JSON with sorted keys, two-space indentation, one
    /// site key per line. Deterministic: equal baselines give equal bytes.
    public func render() -> String {
        var w = JSONLines()
        w.open("{")
        w.field("about", JSONLines.string(Self.about))
        w.field("compilers", JSONLines.flatObject(compilers.mapValues(JSONLines.string)), multiline: true)
        w.key("configs")
        w.open("[")
        for (i, c) in configs.sorted(by: { $0.id < $1.id }).enumerated() {
            w.open("{")
            w.field("compiler", JSONLines.string(c.compiler))
            // Only the direct form says so: the plain entries read as before it.
            if let form = c.form { w.field("form", JSONLines.string(form.rawValue)) }
            w.field("link", JSONLines.string(c.link.rawValue))
            w.field("opt", JSONLines.string(c.opt))
            w.key("policies")
            w.open("{")
            for (j, policy) in c.policies.keys.sortedByName().enumerated() {
                let p = c.policies[policy]!
                w.key(policy.rawValue)
                w.open("{")
                // The counts, `causes` among them in key order.
                var fields = p.counts.values.mapValues { (String($0), false) }
                fields["causes"] = (JSONLines.flatObject(p.counts.causes.mapValues(String.init)), true)
                w.key("counts")
                w.open("{")
                for (k, n) in fields.keys.sorted().enumerated() {
                    w.field(n, fields[n]!.0, multiline: fields[n]!.1, last: k == fields.count - 1)
                }
                w.close("}", last: false)
                w.keyList("missed", p.missed.sorted().map(Self.entry), last: false)
                w.keyList("spurious", p.spurious.sorted().map(Self.entry), last: true)
                w.close("}", last: j == c.policies.count - 1)
            }
            w.close("}", last: false)
            w.field("variant", JSONLines.string(c.variant), last: true)
            w.close("}", last: i == configs.count - 1)
        }
        w.close("]", last: false)
        w.field("schema", String(schema), last: true)
        w.close("}", last: true)
        return w.text
    }

    /// `{"cause": "pointer-in-register", "key": "+0x128 @ paravirt.h:44 <- irq_loops.c:30"}`
    static func entry(_ k: ConfigResult.KeyedOutcome) -> String {
        var parts: [String] = []
        if let cause = k.cause { parts.append("\"cause\": " + JSONLines.string(cause.rawValue)) }
        parts.append("\"key\": " + JSONLines.string(k.key.description))
        return "{" + parts.joined(separator: ", ") + "}"
    }
}

/// A small line-oriented JSON writer for the baseline's fixed shape: the
/// nesting is pretty-printed, a site key entry stays on one line.
struct JSONLines {
    private(set) var text = ""
    private var depth = 0
    private var pendingKey: String?

    private var indent: String { String(repeating: "  ", count: depth) }

    mutating func key(_ k: String) { pendingKey = k }

    private mutating func prefix() -> String {
        defer { pendingKey = nil }
        return indent + (pendingKey.map { JSONLines.string($0) + ": " } ?? "")
    }

    mutating func open(_ bracket: String) {
        text += prefix() + bracket + "\n"
        depth += 1
    }

    mutating func close(_ bracket: String, last: Bool) {
        depth -= 1
        text += indent + bracket + (last ? "" : ",") + "\n"
    }

    /// A field with a rendered value; a flat object may span lines.
    mutating func field(_ k: String, _ value: String, multiline: Bool = false, last: Bool = false) {
        pendingKey = k
        if multiline, value.hasPrefix("{"), value != "{}" {
            let inner = value.dropFirst().dropLast().components(separatedBy: ",\n")
            open("{")
            for (i, line) in inner.enumerated() { text += indent + line + (i == inner.count - 1 ? "" : ",") + "\n" }
            close("}", last: last)
        } else {
            text += prefix() + value + (last ? "" : ",") + "\n"
        }
    }

    /// A list of one-line entries, one per line.
    mutating func keyList(_ k: String, _ entries: [String], last: Bool) {
        guard !entries.isEmpty else { return field(k, "[]", last: last) }
        key(k)
        open("[")
        for (i, e) in entries.enumerated() { text += indent + e + (i == entries.count - 1 ? "" : ",") + "\n" }
        close("]", last: last)
    }

    /// `{"a": 1,\n"b": 2}` with sorted keys; `field(multiline:)` lays it out.
    static func flatObject(_ d: [String: String]) -> String {
        d.isEmpty ? "{}" : "{" + d.keys.sorted().map { string($0) + ": " + d[$0]! }.joined(separator: ",\n") + "}"
    }

    /// A JSON string literal: quotes, backslashes and control characters
    /// escaped, everything else (UTF-8 included) as is.
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}
