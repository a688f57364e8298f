import Compare
import Foundation
import Testing

/// Counts are kept per outcome kind and summed, written and read without a
/// line per field: these hold the JSON names (a contract: the study, the
/// gate's baseline and the recorded kernel results use them) and the sums
/// against lists written out here, not derived the way the code derives them.
@Suite("Counts")
struct CountsTests {
    /// The names of the JSON counts as results have been written since
    /// `lines_matched` (patchable and by_source apart: present when measured).
    static let names: Set<String> = [
        "annotated", "found", "scanned", "misplaced", "merged", "matched", "missed", "spurious", "causes",
        "misplaced_mid_instruction", "misplaced_non_call", "size_mismatched", "kind_mismatched",
        "clobber_unsafe", "inlining_matched", "lines_matched", "spurious_unannotated_call", "spurious_non_call",
        "missed_copies_differ", "spurious_copies_differ",
    ]

    /// Every count different: outcome kinds from `base`, the others from `base + 10`.
    static func filled(_ base: Int) -> Counts {
        var c = Counts()
        for (i, k) in OutcomeKind.allCases.enumerated() { c[k] = base + i }
        for (i, t) in Counts.Tally.allCases.enumerated() { c[t] = base + 10 + i }
        c.causes = [.register: base, .copiesDiffer: 1]
        return c
    }

    static func json(_ c: Counts) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(c)) as? [String: Any])
    }

    @Test func jsonNamesAreTheContract() throws {
        var c = Self.filled(1)
        #expect(Set(try Self.json(c).keys) == Self.names)
        c.patchable = 3
        c.bySource = [.c: Self.filled(1), .asm: Counts()]
        #expect(Set(try Self.json(c).keys) == Self.names.union(["patchable", "by_source"]))
        #expect(try JSONDecoder().decode(Counts.self, from: JSONEncoder().encode(c)) == c)
        // The named accessors read the same counts as the JSON.
        let j = try Self.json(c)
        #expect(j["size_mismatched"] as? Int == c.sizeMismatched && j["misplaced_non_call"] as? Int == c.misplacedNonCall)
    }

    /// Coverage is matched, size-, kind-mismatched and clobber-unsafe
    /// (docs/causes.md), in `found` as in the gate's coverage.
    @Test func foundIsTheKindsThatFind() throws {
        let c = Self.filled(1)
        #expect(c.found == c.matched + c.sizeMismatched + c.kindMismatched + c.clobberUnsafe)
        #expect(try Self.json(c)["found"] as? Int == c.found)
        #expect(Set(OutcomeKind.allCases.filter(\.isFound).map(\.countName))
            == ["matched", "size_mismatched", "kind_mismatched", "clobber_unsafe"])
    }

    @Test func sumAddsEveryCount() throws {
        let a = Self.filled(1), b = Self.filled(100)
        let sum = try Self.json(a + b), x = try Self.json(a), y = try Self.json(b)
        for name in Self.names where name != "causes" {
            #expect(sum[name] as? Int == (x[name] as? Int ?? -1) + (y[name] as? Int ?? -1), "\(name)")
        }
        #expect((a + b).causes == [.register: 101, .copiesDiffer: 2])
        var p = a
        p.patchable = 3
        #expect((a + b).patchable == nil && (p + b).patchable == 3 && (p + p).patchable == 6)
        #expect(Counts() + Counts() == Counts())
    }

    /// A result written before `lines_matched`, `patchable` and `by_source`
    /// (and before an outcome kind it does not name) reads them as 0 or nil.
    @Test func olderResultsRead() throws {
        var object = try Self.json(Self.filled(1))
        for old in ["lines_matched", "merged"] { object.removeValue(forKey: old) }
        let c = try JSONDecoder().decode(Counts.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(c.linesMatched == 0 && c.merged == 0 && c.patchable == nil && c.bySource == nil)
        #expect(c.matched == 1 && c.spuriousCopiesDiffer == Self.filled(1).spuriousCopiesDiffer)
    }
}
