/// Text in GitHub-flavoured markdown: plain ASCII (`TextTable.ascii`), with
/// markdown's punctuation escaped where it is prose.
enum Markdown {
    /// Free text in a paragraph or a table cell: markdown's punctuation is
    /// escaped, so that `*`, `_`, `|` and `<` print as themselves.
    static func inline(_ s: String) -> String {
        var out = ""
        for ch in TextTable.ascii(s) {
            if "\\`*_[]<>|#".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// A code span, with a fence longer than any run of backticks inside;
    /// `|` stays escaped (GitHub splits table cells before code spans).
    static func code(_ s: String) -> String {
        let text = TextTable.ascii(s).replacingOccurrences(of: "|", with: "\\|")
        let fence = String(repeating: "`", count: longestRun(of: "`", in: text) + 1)
        let pad = text.hasPrefix("`") || text.hasSuffix("`") ? " " : ""
        return fence + pad + text + pad + fence
    }

    /// A fenced code block, its fence longer than any backtick run inside.
    static func codeBlock(_ lines: [String]) -> [String] {
        let text = lines.map(TextTable.ascii)
        let fence = String(repeating: "`", count: max(3, text.map { longestRun(of: "`", in: $0) }.max().map { $0 + 1 } ?? 3))
        return [fence] + text + [fence]
    }

    private static func longestRun(of c: Character, in s: String) -> Int {
        var best = 0, run = 0
        for ch in s {
            run = ch == c ? run + 1 : 0
            best = max(best, run)
        }
        return best
    }
}
