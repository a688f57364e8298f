import SiteModel

/// Where a site was written: a macro in C, or hand-written asm (`.S`),
/// whose sites stay a bare `call *table+off(%rip)` in every build, so a
/// total that mixes them flatters the scan of C (`by_source` in JSON).
public enum SourceLanguage: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable {
    case c, asm

    /// The annotated site's source when there is one (a spurious site has
    /// only the scanned one).
    public static func of(_ o: Outcome) -> SourceLanguage {
        guard let s = o.annotated ?? o.found else { return .c }
        return Comparison.isHandWrittenAsm(s) ? .asm : .c
    }
}

extension Counts {
    /// The outcomes' counts, per source; the two add up to `Counts(outcomes)`.
    /// `patchable` is left for the caller, which knows the records.
    public static func bySource(_ outcomes: [Outcome]) -> [SourceLanguage: Counts] {
        var out: [SourceLanguage: Counts] = [:]
        for s in SourceLanguage.allCases { out[s] = Counts(outcomes.filter { SourceLanguage.of($0) == s }) }
        return out
    }
}
