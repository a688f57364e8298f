/// What is wrong with a `--layout` SPEC.
public enum LayoutError: Error, Equatable, CustomStringConvertible {
    case badSpec(String, String)

    public var description: String {
        switch self {
        case .badSpec(let spec, let why): return "bad --layout '\(spec)': \(why)"
        }
    }
}
