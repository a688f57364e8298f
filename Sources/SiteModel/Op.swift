import DebugInfo
import ELF

/// An operation of the ops table: a field offset and, when DWARF names it,
/// the member's name (`irq_disable`, `irq.save_fl`).
public struct Op: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    /// Byte offset of the field in the table.
    public let offset: Int64
    public let name: String

    public init(offset: Int64, name: String) {
        self.offset = offset
        self.name = name
    }

    /// The record's type byte: field offset / 8, as Linux's PARAVIRT_PATCH().
    public var type: Int64 { offset / 8 }

    public var description: String { name }

    public static func < (a: Op, b: Op) -> Bool { a.offset < b.offset }
}

/// Names the fields of one ops table, from its DWARF type when present.
/// Without DWARF: `+0x18` for a field offset, `type 3` for a record type.
public struct OpTable: Sendable {
    /// The table symbol (`paravirt_ops`, `pv_ops`).
    public let symbol: String
    /// Field offset → flattened member name.
    public let members: [Int64: String]
    /// The table's size in bytes, when known (DWARF or the symbol's size).
    public let size: Int64?

    public init(symbol: String, members: [Int64: String], size: Int64?) {
        self.symbol = symbol
        self.members = members
        self.size = size
    }

    public var hasNames: Bool { !members.isEmpty }

    /// The op at field offset `offset`.
    public func op(offset: Int64) -> Op {
        if let name = members[offset] { return Op(offset: offset, name: name) }
        return Op(offset: offset, name: "+" + hex(offset))
    }

    /// The op of a record's type byte.
    public func op(type: Int64) -> Op {
        let offset = type &* 8  // the type byte is the file's: never trap on it
        if let name = members[offset] { return Op(offset: offset, name: name) }
        return Op(offset: offset, name: "type \(type)")
    }

    /// Whether field offset `offset` lies inside the table.
    public func contains(offset: Int64) -> Bool {
        guard offset >= 0 else { return false }
        guard let size else { return true }
        return offset < size
    }

    /// The candidate table symbols, in order of preference.
    public static let defaultSymbols = ["pv_ops", "paravirt_ops"]

    /// Build the table for `file`: the symbol (given, or the first default one
    /// present), member names from DWARF when the file has it.
    public static func find(in file: ObjectFile, symbol: String? = nil, debugInfo: DebugInfo?) -> OpTable? {
        let names = symbol.map { [$0] } ?? defaultSymbols
        guard let name = names.first(where: { !file.findSymbols(named: $0).isEmpty }) else { return nil }
        let sym = file.findSymbols(named: name).first!
        var members: [Int64: String] = [:]
        // Sizes and offsets are the file's (symbol table, DWARF): clamp, never trap.
        var size: Int64? = sym.size > 0 ? Int64(clamping: sym.size) : nil
        if let info = debugInfo, let list = info.variableMembers(named: name) {
            for m in list where members[Int64(clamping: m.offset)] == nil { members[Int64(clamping: m.offset)] = m.name }
            if let last = list.max(by: { $0.offset < $1.offset }) {
                let (end, overflow) = last.offset.addingReportingOverflow(max(last.size, 1))
                size = max(size ?? 0, overflow ? .max : Int64(clamping: end))
            }
        }
        return OpTable(symbol: name, members: members, size: size)
    }
}
