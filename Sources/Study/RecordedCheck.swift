import Compare
import Foundation
import Pipeline
import RelocSites

/// A rebuild against a recorded Linux result (`make kernel-gate`): every
/// row both have, by identity (version, compiler, variant with the
/// retpoline, opt, link, form, scope), must give the recorded counts of
/// every policy and of the control. Rows only one side has are listed,
/// not failed (a rebuild may cover fewer configurations).
public struct RecordedCheck: Sendable {
    /// One line per count that differs: `6.1 gcc -O2 retpoline on object
    /// tree, dataflow: found 1234 -> 1230`.
    public let differences: [String]
    public let compared: Int
    /// Rows of the recorded result the rebuild did not measure, by name.
    public let notMeasured: [String]
    /// Rows the rebuild measured that the recorded result does not have.
    public let notRecorded: [String]

    public var passed: Bool { differences.isEmpty && compared > 0 }

    public init(recorded: StudyResult, measured: StudyResult) {
        /// `6.1 gcc -O2 retpoline on object plain subset`.
        func id(_ c: ConfigResult) -> String {
            [c.kernel ?? "?", c.compiler, c.opt, "retpoline \(c.retpoline?.rawValue ?? "?")", c.link.rawValue, c.form.rawValue,
             (c.scope ?? (c.link == .linked ? .vmlinux : .subset)).rawValue].joined(separator: " ")
        }
        let diff = KeyedDiff(old: recorded.configs.map { ($0.id, $0) }, new: measured.configs.map { ($0.id, $0) })
        var differences: [String] = []
        var compared = 0
        var notMeasured: [String] = []
        for (_, r, m) in diff.old {
            guard let m else { notMeasured.append(id(r)); continue }
            compared += 1
            let sides = Policy.allCases.map { ($0.rawValue, r.policies[$0], m.policies[$0]) } + [("control", r.control, m.control)]
            for (name, a, b) in sides {
                let before = a.map(Self.fields) ?? [:], after = b.map(Self.fields) ?? [:]
                for field in Set(before.keys).union(after.keys).sorted() where before[field] != after[field] {
                    let x = before[field].map(String.init) ?? "-", y = after[field].map(String.init) ?? "-"
                    differences.append("\(id(r)), \(name): \(field) \(x) -> \(y)")
                }
            }
        }
        self.differences = differences
        self.compared = compared
        self.notMeasured = notMeasured
        notRecorded = diff.onlyNew.map { id($0.new) }
    }

    /// The counts as the study JSON names them (every field, so that a
    /// count added later is checked too), causes as `causes.<name>`.
    static func fields(_ c: Counts) -> [String: Int] {
        guard let data = try? JSONEncoder().encode(c),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        var out: [String: Int] = [:]
        for (k, v) in object {
            if let n = v as? Int { out[k] = n }
            if let causes = v as? [String: Any] {
                for (cause, n) in causes { if let n = n as? Int { out["\(k).\(cause)"] = n } }
            }
        }
        return out
    }
}
