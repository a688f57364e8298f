import Foundation

/// Edits the raw bytes of an ELF64 file, to craft broken inputs from real
/// ones. Offsets are those of the ELF64 specification.
public struct ELFBytes {
    public var bytes: [UInt8]

    public init(path: String) throws {
        bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public func read<T: FixedWidthInteger>(_ offset: Int, as: T.Type) -> T {
        var v: T = 0
        for k in 0 ..< MemoryLayout<T>.size { v |= T(bytes[offset + k]) << (8 * k) }
        return v
    }

    public mutating func write<T: FixedWidthInteger>(_ offset: Int, _ value: T) {
        for k in 0 ..< MemoryLayout<T>.size { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
    }

    public var sectionHeaderOffset: Int { Int(read(40, as: UInt64.self)) }
    public var sectionCount: Int { Int(read(60, as: UInt16.self)) }
    public var sectionNameIndex: Int { Int(read(62, as: UInt16.self)) }

    /// Byte offset of section header `i`.
    public func sectionHeader(_ i: Int) -> Int { sectionHeaderOffset + i * 64 }

    public func sectionType(_ i: Int) -> UInt32 { read(sectionHeader(i) + 4, as: UInt32.self) }
    public func sectionFileOffset(_ i: Int) -> Int { Int(read(sectionHeader(i) + 24, as: UInt64.self)) }
    public func sectionSize(_ i: Int) -> Int { Int(read(sectionHeader(i) + 32, as: UInt64.self)) }

    public func sectionName(_ i: Int) -> String {
        let names = sectionFileOffset(sectionNameIndex)
        var o = names + Int(read(sectionHeader(i), as: UInt32.self))
        var s = ""
        while bytes[o] != 0 { s.append(Character(UnicodeScalar(bytes[o]))); o += 1 }
        return s
    }

    public func findSection(named name: String) -> Int? {
        (0 ..< sectionCount).first { sectionName($0) == name }
    }

    public func findSection(type: UInt32) -> Int? {
        (0 ..< sectionCount).first { sectionType($0) == type }
    }

    /// Byte offset of the first symbol table entry named `name`.
    public func symbolEntry(named name: String) -> Int? {
        guard let symtab = findSection(type: 2) else { return nil }
        let strtab = Int(read(sectionHeader(symtab) + 40, as: UInt32.self))
        let strings = sectionFileOffset(strtab)
        let start = sectionFileOffset(symtab)
        for entry in stride(from: start, to: start + sectionSize(symtab), by: 24) {
            var o = strings + Int(read(entry, as: UInt32.self))
            var s = ""
            while bytes[o] != 0 { s.append(Character(UnicodeScalar(bytes[o]))); o += 1 }
            if s == name { return entry }
        }
        return nil
    }

    public func write(to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
