/// Text and attribute values in the HTML report and its inline SVG, which
/// also parse as XML: markup characters become entities, anything beyond
/// ASCII a character reference (the page stays ASCII whatever its
/// charset), and the control characters XML 1.0 forbids a `?`. (JUnit's
/// escaping, in Gate, keeps UTF-8 instead.)
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(u)
            case _ where u.value < 0x20 || u.value == 0x7f || (u.value >= 0xfffe && u.value <= 0xffff): out += "?"
            case _ where !u.isASCII: out += "&#\(u.value);"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
