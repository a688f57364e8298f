import Study

/// The formats of the study report (`pvsites study --format`).
public enum ReportFormat: String, Sendable, CaseIterable {
    /// 72 columns of ASCII, for e-mail.
    case text
    /// GitHub-flavoured markdown, for issues and pull requests.
    case markdown
    /// The `StudyResult` itself, for machines.
    case json
    /// One self-contained page with a chart per variant.
    case html

    public func render(_ result: StudyResult, options: StudyReport.Options = .init()) throws -> String {
        switch self {
        case .json: return try JSONOutput.encode(result)
        case .markdown: return StudyMarkdownReport(StudyReport(result, options: options)).render()
        case .html: return StudyHTMLReport(StudyReport(result, options: options)).render()
        case .text: return StudyTextReport(StudyReport(result, options: options)).render()
        }
    }
}
