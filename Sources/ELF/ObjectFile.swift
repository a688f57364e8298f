import CElf
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A read-only view of one ELF64 little-endian x86-64 file: a relocatable
/// object (`.o`, `.ko`, `ld -r` output) or a linked image that kept its
/// relocations with `--emit-relocs`.
///
/// Loading runs in a fixed order, as objtool's `elf_open_read()` does:
/// header, sections, symbols, the list of relocation sections. Relocation
/// entries, section bytes and DWARF are read on demand. Everything is
/// immutable after `init`, so one file may be read from several threads.
public final class ObjectFile: @unchecked Sendable {
    public let path: String
    public let fileType: ELFFileType
    public let machine: UInt16
    public let entry: UInt64
    /// Set when the file was a compressed container, decompressed in memory.
    public let compression: CompressionFormat?
    public let sections: [Section]
    /// The index of the SHT_SYMTAB section, if the file has one.
    public let symbolTableIndex: Int?
    public let relocationSections: [RelocationSection]

    package let image: ELFImage
    /// The symbol table in place, validated at open; names stay bytes.
    let symbolTable: SymbolTableView
    /// Every symbol as a value, made on first use of `symbols`: a scan
    /// looks symbols up by name or index and never needs them all.
    private let allSymbols = Mutex<[Symbol]?>(nil)
    /// Name → indices, for the few names asked for (each answered once by
    /// comparing bytes over the table).
    private let namedSymbols = Mutex<[String: [Int]]>([:])
    /// Per target section: its relocations by offset, or the error reading
    /// them, made on first use (a vmlinux's `.rela.debug_info` is never asked for).
    private let relocationIndices = Mutex<[Int: Result<RelocationIndex, any Error>]>([:])
    /// Built on first use: many runs never ask for a function name.
    private let functionIndex = Mutex<FunctionIndex?>(nil)
    /// What higher layers keep per file, made once on first use (the DWARF
    /// session, so that both strategies of a comparison share one), keyed
    /// by type: this layer does not know those types.
    private let memos = Mutex<[ObjectIdentifier: any Sendable]>([:])

    /// Open and validate `path`; throws an `ObjectFileError` naming the file.
    public convenience init(path: String) throws {
        try self.init(image: ELFImage(path: path))
    }

    /// Open an ELF image held in memory (tests, fuzzing); `name` labels diagnostics.
    public convenience init(bytes: [UInt8], name: String) throws {
        try self.init(image: ELFImage(bytes: bytes, name: name))
    }

    init(image: ELFImage) throws {
        self.image = image
        self.path = image.path
        self.compression = image.compression
        let header = try image.header()
        self.fileType = ELFFileType(rawValue: header.e_type)
        self.machine = header.e_machine
        self.entry = header.e_entry
        let sections = try image.readSections()
        self.sections = sections
        let (table, symtab) = try image.readSymbolTable(sections: sections)
        self.symbolTable = table
        self.symbolTableIndex = symtab
        self.relocationSections = try image.readRelocationSections(sections: sections)
    }

    /// Every symbol table entry as a value, in table order (made on first use).
    public var symbols: [Symbol] {
        allSymbols.withLock { cached in
            if let cached { return cached }
            let table = symbolTable
            let built = (0 ..< table.count).map { table.symbol($0) }
            cached = built
            return built
        }
    }

    /// The number of symbol table entries (index 0 included).
    public var symbolCount: Int { symbolTable.count }

    // MARK: Queries

    public var isRelocatable: Bool { fileType == .relocatable }

    /// "relocatable", "linked with relocations" or "linked" (no relocation sections
    /// that apply to code or data).
    public var kindDescription: String {
        if isRelocatable { return "relocatable" }
        return relocationSections.contains { $0.targetIndex != 0 } ? "linked with relocations" : "linked"
    }

    public var hasSymbolTable: Bool { symbolTableIndex != nil }

    /// Throws `.noSymbolTable` when the file was stripped: it has code or
    /// relocations but no symbols. An object with neither (gas on an empty
    /// or all-conditional .S, like a tree's unused pv_records.o) is not
    /// stripped; it has nothing to scan and its symbol table is empty.
    public func requireSymbolTable() throws {
        if symbolTableIndex != nil { return }
        let hasCode = sections.contains { $0.isExecutable && $0.size > 0 }
        if hasCode || !relocationSections.isEmpty { throw ObjectFileError.noSymbolTable(path: path) }
    }

    public func findSection(named name: String) -> Section? {
        sections.first { $0.name == name }
    }

    public func findSection(index: Int) -> Section? {
        sections.indices.contains(index) ? sections[index] : nil
    }

    /// All symbols named `name`, defined ones first.
    public func findSymbols(named name: String) -> [Symbol] {
        findSymbolIndices(named: name).map { symbolTable.symbol($0) }.sorted { $0.isDefined && !$1.isDefined }
    }

    /// Indices of the symbols named `name`, in table order. The first call
    /// for a name compares bytes over the whole table; later ones are free.
    public func findSymbolIndices(named name: String) -> [Int] {
        if name.isEmpty { return [] }
        if let known = namedSymbols.withLock({ $0[name] }) { return known }
        let found = symbolTable.indices(named: name)
        namedSymbols.withLock { $0[name] = found }
        return found
    }

    /// Indices of the symbols whose names start with `prefix`, in table order.
    public func findSymbolIndices(withPrefix prefix: String) -> [Int] {
        symbolTable.indices(withPrefix: prefix)
    }

    public func findSymbol(index: Int) -> Symbol? {
        index >= 0 && index < symbolTable.count ? symbolTable.symbol(index) : nil
    }

    /// Symbol `index` without its name; nil when out of range.
    public func findSymbolEntry(index: Int) -> SymbolEntry? {
        index >= 0 && index < symbolTable.count ? symbolTable.entry(index) : nil
    }

    /// The name of symbol `index` ("" when out of range).
    public func symbolName(index: Int) -> String {
        index >= 0 && index < symbolTable.count ? symbolTable.name(index) : ""
    }

    /// Calls `body` with every symbol table entry, in order, without names.
    public func forEachSymbolEntry(_ body: (SymbolEntry) throws -> Void) rethrows {
        let table = symbolTable
        for i in 0 ..< table.count { try body(table.entry(i)) }
    }

    /// The relocation sections that patch section `index`.
    public func relocationSections(for index: Int) -> [RelocationSection] {
        relocationSections.filter { $0.targetIndex == index }
    }

    /// Every relocation that patches `section` (from all its relocation
    /// sections that name this file's symbols; NONE left out), indexed by offset. Read once per section; a bad entry
    /// throws here, and again (the same error) for every later caller.
    public func relocations(patching section: Section) throws -> RelocationIndex {
        try relocationIndices.withLock { known in
            if let have = known[section.index] { return have }
            let made = Result<RelocationIndex, any Error> {
                var all: [Relocation] = []
                // Only sections that name this file's symbol table: a
                // `.rela.plt` names `.dynsym`, whose indices mean other symbols.
                for rs in relocationSections where rs.targetIndex == section.index && rs.symbolTableIndex == symbolTableIndex {
                    all += try readRelocations(rs)
                }
                // R_X86_64_NONE patches nothing: no lookup finds it.
                all.removeAll { $0.type == .none }
                return RelocationIndex(all)
            }
            known[section.index] = made
            return made
        }.get()
    }

    /// Read every entry of one relocation section, offsets normalised to the
    /// target section.
    public func readRelocations(_ rs: RelocationSection) throws -> [Relocation] {
        try image.readRelocations(rs, sections: sections, symbolCount: symbolTable.count,
                                  isRelocatable: isRelocatable)
    }

    /// The entries of one relocation section whose symbol is in `symbols`,
    /// offsets normalised as `readRelocations(_:)` does. Every entry is
    /// still validated, so a bad file fails the same way; the others are
    /// never made into values (a vmlinux `.rela.text` has 400,000 entries,
    /// a few thousand of them against the ops table). `entries` limits the
    /// read to a range of entry indices, for reading in parallel pieces.
    public func readRelocations(_ rs: RelocationSection, against symbols: SymbolSet,
                                entries: Range<Int>? = nil) throws -> [Relocation] {
        try image.readRelocations(rs, sections: sections, symbolCount: symbolTable.count,
                                  isRelocatable: isRelocatable, keep: symbols, range: entries)
    }

    /// A copy of `count` bytes of `section` from `offset` (clamped to the section).
    public func bytes(of section: Section, offset: UInt64 = 0, count: Int? = nil) -> [UInt8] {
        withBytes(of: section) { buf in
            guard offset < UInt64(buf.count) else { return [] }
            let start = Int(offset)
            let n = min(count ?? buf.count - start, buf.count - start)
            return Array(buf[start ..< start + n])
        }
    }

    /// The section's bytes in place (empty for NOBITS). Valid inside `body` only.
    public func withBytes<R>(of section: Section, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(image.bytes(of: section))
    }

    /// The section that holds virtual address `address` in a linked image.
    public func findSection(containingAddress address: UInt64) -> Section? {
        sections.first { $0.isAllocated && $0.size > 0 && $0.contains(address: address) }
    }

    /// The address of `offset` in `section`: the offset itself in a relocatable
    /// object (whose sections all start at 0), sh_addr + offset otherwise.
    public func address(of section: Section, offset: UInt64) -> UInt64 {
        section.address &+ offset
    }

    /// A symbol's offset inside its section.
    public func sectionOffset(of symbol: Symbol) -> UInt64? {
        guard let si = symbol.definingSection, let sec = findSection(index: si) else { return nil }
        return isRelocatable ? symbol.value : symbol.value &- sec.address
    }

    /// A symbol's offset inside its section.
    public func sectionOffset(of symbol: SymbolEntry) -> UInt64? {
        guard let si = symbol.definingSection, let sec = findSection(index: si) else { return nil }
        return isRelocatable ? symbol.value : symbol.value &- sec.address
    }

    /// The function that contains `offset` in section `index`, and the
    /// distance into it.
    public func findFunction(section index: Int, offset: UInt64) -> (symbol: Symbol, offset: UInt64)? {
        guard let found = findFunctionExtent(section: index, offset: offset) else { return nil }
        return (symbolTable.symbol(found.symbol), found.offset)
    }

    /// The function index, built on first use.
    private var functions: FunctionIndex {
        functionIndex.withLock { cached in
            if let cached { return cached }
            let built = FunctionIndex(sections: sections, symbols: symbolTable, isRelocatable: isRelocatable)
            cached = built
            return built
        }
    }

    /// `findFunction` without reading the name: the symbol's index, its
    /// st_size, and the distance into it (what code ranges need, per
    /// relocation).

    package func findFunctionExtent(section index: Int, offset: UInt64) -> (symbol: Int, size: UInt64, offset: UInt64)? {
        guard let (symbol, delta) = functions.find(section: index, offset: offset) else { return nil }
        return (symbol, symbolTable.size(symbol), delta)
    }

    /// Code no symbol covers around `offset`: from the end of the sized
    /// symbol before it to the next symbol's start (FunctionIndex.gap).
    package func findUnnamedCodeExtent(section index: Int, offset: UInt64) -> (start: UInt64, next: UInt64?)? {
        functions.gap(section: index, offset: offset)
    }

    /// The one value of type `T` kept with this file, made by `make` on
    /// first use (under the lock, so it is made once).
    package func memoized<T: Sendable>(_ type: T.Type, _ make: () -> T) -> T {
        memos.withLock { memos in
            if let known = memos[ObjectIdentifier(type)] as? T { return known }
            let made = make()
            memos[ObjectIdentifier(type)] = made
            return made
        }
    }

    /// `func+0x1a`, or `section+0x1a` when no function contains the place.
    public func describe(section index: Int, offset: UInt64) -> String {
        if let (sym, delta) = findFunction(section: index, offset: offset) {
            return "\(sym.name)+\(hex(delta))"
        }
        let name = findSection(index: index)?.name ?? "section[\(index)]"
        return "\(name)+\(hex(offset))"
    }
}
