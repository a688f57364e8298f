/// Plain text for the text and markdown reports: columns, and ASCII only.
public enum TextTable {
    /// `1 file`, `2 files`: a count and its noun, plural when it is not 1
    /// (`plural` for nouns that do not just take an s).
    public static func count(_ n: Int, _ noun: String, plural: String? = nil) -> String {
        "\(n) " + (n == 1 ? noun : plural ?? noun + "s")
    }

    public static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    public static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    /// Plain ASCII: anything else, and control characters but tab, become
    /// `?`; tabs become two spaces.
    public static func ascii(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.isASCII && ($0.value >= 32 || $0 == "\t") ? $0 : "?" }))
            .replacingOccurrences(of: "\t", with: "  ")
    }
}
