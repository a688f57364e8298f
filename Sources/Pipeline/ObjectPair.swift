/// An annotated object and the plain (or direct) build of the same source.
public struct ObjectPair: Sendable, Hashable {
    public let annotated: String
    public let plain: String
    /// How failures name the pair (a file name, or a path in a kernel tree).
    public let name: String

    public init(annotated: String, plain: String, name: String) {
        self.annotated = annotated
        self.plain = plain
        self.name = name
    }
}
