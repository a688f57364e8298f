import ELF

/// A file of a batch that could not be read; the others go on.
public struct FileFailure: Error, Codable, Sendable, Equatable {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public init(path: String, error: Error) {
        self.path = path
        if let e = error as? ObjectFileError {
            self.message = e.problem
        } else {
            self.message = String(describing: error)
        }
    }

    /// `path: problem`, the one line the CLI prints for it.
    public var line: String { "\(path): \(message)" }
}
