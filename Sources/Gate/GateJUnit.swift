import RelocSites

/// The gate's result as JUnit XML for CI systems: one test case per
/// (config, policy), a `<failure>` per regression, `<skipped>` for the
/// configurations of a compiler that is not installed. Test cases are
/// named `classname="gcc kernel -O2 object" name="dataflow"`; a build
/// failure, which belongs to no policy, is the case `name="build"`.
public enum GateJUnit {
    public static func render(_ c: GateComparison, baseline path: String) -> String {
        var byCase: [String: [GateFinding]] = [:]
        for f in c.regressions { byCase[caseID(f.config, f.policy), default: []].append(f) }
        let failed = c.cases.filter { byCase[caseID($0.config, $0.policy)] != nil }.count
        let skipped = c.cases.filter { if case .skipped = $0.status { return true } else { return false } }.count
        let counts = "tests=\"\(c.cases.count)\" failures=\"\(failed)\" errors=\"0\" skipped=\"\(skipped)\""
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"pvsites gate\" \(counts)>\n"
        out += "  <testsuite name=\"pvsites gate \(attribute(path))\" \(counts)>\n"
        for t in c.cases {
            let name = t.policy?.rawValue ?? "build"
            out += "    <testcase classname=\"\(attribute(t.config))\" name=\"\(attribute(name))\""
            let findings = byCase[caseID(t.config, t.policy)] ?? []
            if case .skipped(let why) = t.status {
                out += ">\n      <skipped message=\"\(attribute(why))\"/>\n    </testcase>\n"
            } else if findings.isEmpty {
                out += "/>\n"
            } else {
                out += ">\n"
                for f in findings {
                    var body = "config: \(f.config)\n"
                    if let p = f.policy { body += "policy: \(p.rawValue)\n" }
                    body += "what: \(f.detail)\n"
                    if let k = f.key { body += "key: \(k)\n" }
                    if let cause = f.cause { body += "cause: \(cause)\n" }
                    out += "      <failure type=\"\(f.kind.rawValue)\" message=\"\(attribute(f.line))\">"
                        + text(body) + "</failure>\n"
                }
                out += "    </testcase>\n"
            }
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    private static func caseID(_ config: String, _ policy: Policy?) -> String { config + "\u{0}" + (policy?.rawValue ?? "") }

    /// Character data: `&`, `<`, `>` escaped; characters XML 1.0 forbids
    /// (C0 controls other than tab, newline, return; lone surrogates cannot
    /// occur in a Swift String; U+FFFE, U+FFFF) become U+FFFD.
    public static func text(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(allowed(u) ? u : "\u{FFFD}")
            }
        }
        return out
    }

    /// An attribute value in double quotes: as text, plus `"` and `'`, and
    /// tab/newline/return as character references (a parser would
    /// otherwise normalise them to spaces).
    public static func attribute(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += "&#9;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(allowed(u) ? u : "\u{FFFD}")
            }
        }
        return out
    }

    private static func allowed(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x9, 0xA, 0xD: return true
        case 0 ..< 0x20, 0xFFFE, 0xFFFF: return false
        default: return true
        }
    }
}
