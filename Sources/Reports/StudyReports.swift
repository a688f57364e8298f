import Study

/// Renders a study in one of the report formats.
public enum StudyReports {
    public static let formats = ["text", "markdown", "json", "html"]

    public static func render(_ result: StudyResult, format: String) throws -> String {
        switch format {
        case "json": return try JSONOutput.encode(result)
        case "markdown": return StudyMarkdownReport(result).render()
        case "html": return StudyHTMLReport(result).render()
        default: return StudyTextReport(result).render()
        }
    }
}
