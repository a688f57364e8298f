import ELF

/// The catalogue codes of `GateFileError` (docs/messages.md, "Baselines
/// and study files").
extension GateFileError: CataloguedMessage {
    public enum Code: String, CaseIterable, Sendable {
        case missing = "no-such-baseline"
        case unreadable = "baseline-unreadable"
        case notJSON = "baseline-not-json"
        case notBaseline = "not-a-baseline"
        case schema = "baseline-schema"
        case cannotWrite = "cannot-write"
        case notStudy = "not-a-study"
    }

    public var code: Code {
        switch self {
        case .missing: .missing
        case .unreadable: .unreadable
        case .notJSON: .notJSON
        case .notBaseline: .notBaseline
        case .schema: .schema
        case .cannotWrite: .cannotWrite
        case .notStudy: .notStudy
        }
    }
}
