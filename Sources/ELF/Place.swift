/// A place in one file: a section and an offset in it. Sites, references
/// and DWARF look-ups are keyed by it (offsets alone collide across the
/// sections of a `-ffunction-sections` object).
public struct Place: Sendable, Hashable, Comparable, Codable {
    public let section: Int
    public let offset: UInt64

    public init(section: Int, offset: UInt64) {
        self.section = section
        self.offset = offset
    }

    public static func < (a: Place, b: Place) -> Bool { (a.section, a.offset) < (b.section, b.offset) }
}
