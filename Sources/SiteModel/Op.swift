import ELF

/// An operation of the ops table: a field offset and, when DWARF names it,
/// the member's name (`irq_disable`, `irq.save_fl`).
public struct Op: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Byte offset of the field in the table: the op's identity.
    public let offset: Int64
    /// The member's name, when DWARF gives one; nil, never a placeholder.
    public let name: String?

    public init(offset: Int64, name: String?) {
        self.offset = offset
        self.name = name
    }

    /// The record's type byte: field offset / 8, as Linux's PARAVIRT_PATCH().
    public var type: Int64 { offset / 8 }

    /// The name, or the field offset (`+0x128`) when DWARF did not name it.
    public var description: String { name ?? "+" + hex(offset) }

    /// The same op, named from `names` when it has no name yet (names are
    /// borrowed across builds: an annotated object whose C never names the
    /// table has no DWARF for it).
    public func named(from names: OpNames) -> Op {
        name == nil ? Op(offset: offset, name: names[offset]) : self
    }

    /// The op a JSON `op` text and field offset stand for: the text is the
    /// name unless it is the offset's own `+0x128`.
    public init(offset: Int64, text: String) {
        self.init(offset: offset, name: text == Op(offset: offset, name: nil).description ? nil : text)
    }

    public static func < (a: Op, b: Op) -> Bool { a.offset < b.offset }
}
