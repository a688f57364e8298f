/// A compiler the study could not use, and why.
public struct SkippedCompiler: Codable, Sendable, Hashable {
    public let compiler: String
    public let reason: String

    public init(compiler: String, reason: String) {
        self.compiler = compiler
        self.reason = reason
    }
}
