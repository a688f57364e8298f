/// How references become sites (DESIGN.md, "Policies of the reloc scan").
/// A dictionary keyed by policy encodes as a JSON object keyed by name.
public enum Policy: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable {
    /// Every reference in code is a site of sizeof(indirect call), 6 bytes.
    case naive
    /// Calls and jumps through memory only, at their decoded length.
    case decoded
    /// Also loads and addresses followed to the call that uses them.
    case dataflow

    /// Its sites are guesses, not decoded instructions (naive: a 6-byte
    /// call assumed at every reference): they may start inside an
    /// instruction or on one that is not a call (misplaced), its records
    /// are made as guessed (`records` checks no site's instructions), and
    /// what it gets wrong is shown apart (misplaced columns, examples of
    /// its own failures only).
    public var guesses: Bool {
        switch self {
        case .naive: true
        case .decoded, .dataflow: false
        }
    }

    /// The length the 2007 proposal assumes: `ff 15` + disp32.
    public static let assumedLength = 6
    /// The length naive assumes at a trampoline's relocation: `e8` + rel32.
    public static let assumedDirectLength = 5
}
