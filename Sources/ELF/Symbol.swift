/// One symbol table entry, as a value.
public struct Symbol: Sendable, Equatable {
    public let index: Int
    public let name: String
    /// st_value: a section offset in relocatable objects, an address in linked images.
    public let value: UInt64
    public let size: UInt64
    public let type: SymbolType
    public let binding: SymbolBinding
    /// st_shndx (extended through SHT_SYMTAB_SHNDX when needed).
    public let sectionIndex: Int

    public static let undefinedSection = 0
    public static let absoluteSection = 0xfff1
    public static let commonSection = 0xfff2

    public var isUndefined: Bool { sectionIndex == Symbol.undefinedSection }
    public var isDefined: Bool { !isUndefined }
    public var isFunction: Bool { type == .function }
    /// The index of the section the symbol is defined in, when it is a real one.
    public var definingSection: Int? {
        (sectionIndex == 0 || sectionIndex >= 0xff00) ? nil : sectionIndex
    }
}
