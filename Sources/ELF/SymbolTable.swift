#if canImport(Glibc)
import Glibc
#endif

/// A symbol table entry without its name: what passes over every symbol
/// need (the function index, the table matcher). Reading it costs a few
/// loads; no String is made.
public struct SymbolEntry: Sendable, Equatable {
    public let index: Int
    public let value: UInt64
    public let size: UInt64
    public let type: SymbolType
    public let binding: SymbolBinding
    /// st_shndx (extended through SHT_SYMTAB_SHNDX when needed).
    public let sectionIndex: Int
    /// True when st_name names the empty string.
    public let hasEmptyName: Bool

    public var isUndefined: Bool { sectionIndex == Symbol.undefinedSection }
    public var isDefined: Bool { !isUndefined }
    public var isFunction: Bool { type == .function }
    /// The index of the section the symbol is defined in, when it is a real one.
    public var definingSection: Int? {
        (sectionIndex == 0 || sectionIndex >= 0xff00) ? nil : sectionIndex
    }
}

/// A set of symbol indices as a bitmap: membership is one load, which is
/// what filtering hundreds of thousands of relocations needs.
public struct SymbolSet: Sendable, Equatable {
    private var words: [UInt64]
    public private(set) var count = 0

    public init(capacity: Int) {
        words = [UInt64](repeating: 0, count: (max(capacity, 0) + 63) / 64)
    }

    public init<S: Sequence>(_ indices: S, capacity: Int) where S.Element == Int {
        self.init(capacity: capacity)
        for i in indices { insert(i) }
    }

    public var isEmpty: Bool { count == 0 }

    @inline(__always)
    public func contains(_ index: Int) -> Bool {
        guard index >= 0, index >> 6 < words.count else { return false }
        return words[index >> 6] & (1 << UInt64(index & 63)) != 0
    }

    public mutating func insert(_ index: Int) {
        guard index >= 0, index >> 6 < words.count, !contains(index) else { return }
        words[index >> 6] |= 1 << UInt64(index & 63)
        count += 1
    }
}

/// The raw symbol table of one file, validated once when the file is
/// opened and read in place afterwards: names stay bytes until someone
/// asks for one. A 630 MB vmlinux has 180,000 symbols; a scan that needs
/// one of them by name compares bytes, it does not build 180,000 Strings.
///
/// The bytes belong to the `ELFImage`, which outlives every view.
struct SymbolTableView: @unchecked Sendable {
    let data: UnsafeRawBufferPointer
    let strings: UnsafeRawBufferPointer
    /// SHT_SYMTAB_SHNDX words, when the file has them.
    let extended: UnsafeRawBufferPointer?
    let count: Int

    static let empty = SymbolTableView(data: UnsafeRawBufferPointer(start: nil, count: 0),
                                       strings: UnsafeRawBufferPointer(start: nil, count: 0),
                                       extended: nil, count: 0)

    @inline(__always) func nameOffset(_ i: Int) -> Int {
        Int(data.loadUnaligned(fromByteOffset: i * 24, as: UInt32.self))
    }

    @inline(__always) func info(_ i: Int) -> UInt8 { data[i * 24 + 4] }

    @inline(__always) func value(_ i: Int) -> UInt64 {
        data.loadUnaligned(fromByteOffset: i * 24 + 8, as: UInt64.self)
    }

    @inline(__always) func size(_ i: Int) -> UInt64 {
        data.loadUnaligned(fromByteOffset: i * 24 + 16, as: UInt64.self)
    }

    /// st_shndx, through SHT_SYMTAB_SHNDX for SHN_XINDEX (checked at open).
    @inline(__always) func sectionIndex(_ i: Int) -> Int {
        let shndx = Int(data.loadUnaligned(fromByteOffset: i * 24 + 6, as: UInt16.self))
        if shndx == 0xffff, let ext = extended, (i + 1) * 4 <= ext.count {
            return Int(ext.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
        }
        return shndx
    }

    func hasEmptyName(_ i: Int) -> Bool { strings[nameOffset(i)] == 0 }

    func name(_ i: Int) -> String {
        let offset = nameOffset(i)
        guard let base = strings.baseAddress else { return "" }
        let start = base + offset
        let len = strnlen(start.assumingMemoryBound(to: CChar.self), strings.count - offset)
        return String(decoding: UnsafeRawBufferPointer(start: start, count: len), as: UTF8.self)
    }

    /// Whether symbol `i` is named exactly `name` (given with its NUL).
    @inline(__always)
    func nameEquals(_ i: Int, _ name: UnsafeRawBufferPointer) -> Bool {
        let offset = nameOffset(i)
        guard offset + name.count <= strings.count, let base = strings.baseAddress,
              let want = name.baseAddress else { return false }
        let p = base + offset
        if p.load(as: UInt8.self) != want.load(as: UInt8.self) { return false }
        return memcmp(p, want, name.count) == 0
    }

    /// Whether symbol `i`'s name starts with `prefix` (given without NUL).
    func nameHasPrefix(_ i: Int, _ prefix: UnsafeRawBufferPointer) -> Bool {
        let offset = nameOffset(i)
        guard offset + prefix.count <= strings.count, let base = strings.baseAddress,
              let want = prefix.baseAddress else { return prefix.isEmpty }
        return memcmp(base + offset, want, prefix.count) == 0
    }

    func entry(_ i: Int) -> SymbolEntry {
        let info = self.info(i)
        return SymbolEntry(index: i, value: value(i), size: size(i), type: SymbolType(raw: info & 0xf),
                           binding: SymbolBinding(raw: info >> 4), sectionIndex: sectionIndex(i),
                           hasEmptyName: hasEmptyName(i))
    }

    func symbol(_ i: Int) -> Symbol {
        let info = self.info(i)
        return Symbol(index: i, name: name(i), value: value(i), size: size(i), type: SymbolType(raw: info & 0xf),
                      binding: SymbolBinding(raw: info >> 4), sectionIndex: sectionIndex(i))
    }

    /// Indices of the symbols named `name`, in table order.
    func indices(named name: String) -> [Int] {
        var bytes = Array(name.utf8)
        bytes.append(0)
        return bytes.withUnsafeBytes { want in
            var out: [Int] = []
            for i in 0 ..< count where nameEquals(i, want) { out.append(i) }
            return out
        }
    }

    /// Indices of the symbols whose names start with `prefix`, in table order.
    func indices(withPrefix prefix: String) -> [Int] {
        let bytes = Array(prefix.utf8)
        return bytes.withUnsafeBytes { want in
            var out: [Int] = []
            for i in 0 ..< count where nameHasPrefix(i, want) { out.append(i) }
            return out
        }
    }
}
