import ELF

/// The catalogue code of `RecordEncoder.EncodeError` (docs/messages.md,
/// "Records").
extension RecordEncoder.EncodeError: CataloguedMessage {
    public enum Code: String, CaseIterable, Sendable {
        case unsupported = "layout-not-writable"
    }

    public var code: Code {
        switch self { case .unsupported: .unsupported }
    }
}
