/// How references become sites (DESIGN.md, "Policies of the reloc scan").
public enum Policy: String, Sendable, Codable, CaseIterable {
    /// Every reference in code is a site of sizeof(indirect call), 6 bytes.
    case naive
    /// Calls and jumps through memory only, at their decoded length.
    case decoded
    /// Also loads and addresses followed to the call that uses them.
    case dataflow

    /// The length the 2007 proposal assumes: `ff 15` + disp32.
    public static let assumedLength = 6
}
