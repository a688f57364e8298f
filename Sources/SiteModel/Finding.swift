/// A warning about one input, with where it is: `file: place: message`,
/// objtool's shape. `place` is `func+0x1a`, `section+0x1a` or a record
/// (`.parainstructions[12]`).
public struct Finding: Sendable, Hashable, Codable, CustomStringConvertible {
    public let path: String
    public let place: String
    public let message: String

    public init(path: String, place: String, message: String) {
        self.path = path
        self.place = place
        self.message = message
    }

    public var description: String { "\(path): \(place): \(message)" }
}
