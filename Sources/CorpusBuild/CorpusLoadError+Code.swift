import ELF

/// The catalogue codes of `Corpus.LoadError` (docs/messages.md, "The corpus").
extension Corpus.LoadError: CataloguedMessage {
    public enum Code: String, CaseIterable, Sendable {
        case missing = "no-such-corpus"
        case badConfig = "bad-corpus-config"
        case noSources = "no-corpus-sources"
    }

    public var code: Code {
        switch self {
        case .missing: .missing
        case .badConfig: .badConfig
        case .noSources: .noSources
        }
    }
}
