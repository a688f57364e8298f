import ELF

/// The catalogue code of `LayoutError` (docs/messages.md, "Records").
extension LayoutError: CataloguedMessage {
    public enum Code: String, CaseIterable, Sendable {
        case badSpec = "bad-layout-spec"
    }

    public var code: Code {
        switch self { case .badSpec: .badSpec }
    }
}
