import CElf
import ELF
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

extension ObjectFile {
    /// Open the file's DWARF with libdwfl; nil when it has no `.debug_info`.
    ///
    /// Relocatable objects get their DWARF relocated by libdwfl's offline
    /// reporting, as eu-addr2line does. A file decompressed in memory is
    /// handed to libdwfl from memory (no temporary file). Throws an
    /// `ObjectFileError` naming the file when libdw cannot read the DWARF.
    ///
    /// Opened once per file: later calls return the same session (or throw
    /// the same error), so both strategies of a comparison share libdw's
    /// parsed units and the caches of `DebugInfo`.
    public func openDebugInfo() throws -> DebugInfo? {
        guard sections.contains(where: { $0.name == ".debug_info" || $0.name == ".zdebug_info" }) else {
            return nil
        }
        return try memoized(Result<DebugInfo?, ObjectFileError>.self) {
            do { return .success(try DebugInfo(file: self)) }
            catch let e as ObjectFileError { return .failure(e) }
            catch { return .failure(.corruptSection(path: path, section: ".debug_info", reason: "\(error)")) }
        }.get()
    }
}

/// Source positions, inline chains and struct layouts from one file's DWARF.
///
/// libdw is not thread-safe, so every query runs under one lock; results
/// are Swift values. Scope trees of the compilation units asked about are
/// kept for the life of the object (see `ScopeIndex`).
public final class DebugInfo: @unchecked Sendable {
    public let path: String
    private let state: Mutex<DebugInfoSession>

    init(file: ObjectFile) throws {
        path = file.path
        state = Mutex(try DebugInfoSession(file: file))
    }

    /// The inline chain at `offset` in section `section`, innermost first,
    /// as `eu-addr2line -i -f` prints it (see `SourceFrame`), with one
    /// difference: the callers are those of the scopes at the place itself,
    /// where eu-addr2line takes them at the start of the place's line-table
    /// row (see `CallerLookup`). Empty when the DWARF says nothing about the
    /// place (no line row and no function), or the place is outside an
    /// allocated section.
    public func inlineChain(section: Int, offset: UInt64) -> [SourceFrame] {
        state.withLock { $0.inlineChain(section: section, offset: offset, callers: .atAddress) }
    }

    /// `inlineChain` for many places under one lock, in the same order.
    public func inlineChains(_ places: [(section: Int, offset: UInt64)]) -> [[SourceFrame]] {
        inlineChains(places, callers: .atAddress)
    }

    /// With `.atLineRowStart`, the callers are looked up as eu-addr2line
    /// 0.188 does (see `CallerLookup`); tests use it to compare exactly.
    func inlineChains(_ places: [(section: Int, offset: UInt64)], callers: CallerLookup) -> [[SourceFrame]] {
        state.withLock { session in
            places.map { session.inlineChain(section: $0.section, offset: $0.offset, callers: callers) }
        }
    }

    /// The compilation unit of each place (its DW_AT_name, the source file
    /// compiled), nil where no unit covers it. Objects hold one unit; a
    /// linked image many: what makes an image's sites comparable per
    /// source file, as its objects' are.
    public func unitNames(_ places: [(section: Int, offset: UInt64)]) -> [String?] {
        state.withLock { session in places.map { session.unitName(section: $0.section, offset: $0.offset) } }
    }

    /// The members of `struct name` (the first complete definition found),
    /// flattened; nil when no unit defines it. See `StructMember`.
    public func structMembers(named name: String) -> [StructMember]? {
        state.withLock { $0.structMembers(named: name) }
    }

    /// The members of the type of global variable `name` (its declaration
    /// or definition), through typedefs and qualifiers; nil when no unit
    /// declares the variable or its type is not a struct or union.
    public func variableMembers(named name: String) -> [StructMember]? {
        state.withLock { $0.variableMembers(named: name) }
    }
}

/// Where the callers (frames 1...) of an inline chain are looked up.
///
/// eu-addr2line 0.188 names frame 0's function from the scopes at the
/// address, but `dwfl_lineinfo` then overwrites its address variable with
/// the start of the line-table row, and the inline callers come from the
/// scopes there. The two differ when a row starts before the scope the
/// address is in: in padding after a function (the row is the function's
/// last), and where gcc started an inlined instance without a new row
/// (seen in CPython's ceval.o: two inlined `read_u16()` at the same header
/// line, the second getting the first one's caller). `DebugInfo` answers
/// for the address itself; tests use `.atLineRowStart` to compare with
/// eu-addr2line exactly.
enum CallerLookup {
    case atAddress
    case atLineRowStart
}

/// Everything that touches libdwfl for one `DebugInfo`. Not thread-safe:
/// used only inside `DebugInfo`'s mutex.
final class DebugInfoSession {
    let path: String
    private let dwfl: OpaquePointer
    let module: OpaquePointer
    let dwarf: OpaquePointer
    /// The private copy of an in-memory image that libdwfl reads (and, for
    /// relocatable objects, relocates in place); freed after `dwfl_end`.
    private let memory: UnsafeMutableRawPointer?
    /// Per section index: where libdwfl placed it, nil when nowhere.
    private let sectionAddresses: [UInt64?]
    private let sectionSizes: [UInt64]
    private var scopeIndexes: [Dwarf_Off: ScopeIndex] = [:]
    private var functionNames: [Dwarf_Off: String?] = [:]
    private var chains: [ChainKey: [SourceFrame]] = [:]
    /// Every unit's address ranges, indexed on first need (DebugInfoUnitRanges).
    var unitRanges: UnitRangeIndex?
    var layoutCache: [String: [StructMember]?] = [:]

    init(file: ObjectFile) throws {
        path = file.path
        let name = String(file.path.split(separator: "/").last ?? Substring(file.path))
        guard let dwfl = dwfl_begin(pv_dwfl_offline_callbacks()) else {
            throw ObjectFileError.corruptSection(path: path, section: ".debug_info", reason: "libdwfl: \(Self.lastError())")
        }
        var memory: UnsafeMutableRawPointer?
        let module: OpaquePointer?
        if file.image.fileDescriptor >= 0 {
            // libdwfl opens the file itself: it must own (and close) its
            // descriptor, and passing it ours would leave the ownership of
            // a failed report unclear.
            module = dwfl_report_offline(dwfl, name, path, -1)
        } else {
            // Decompressed or given as bytes: libdwfl reads memory. It
            // writes section addresses and relocated DWARF into the buffer,
            // so it gets its own copy.
            let bytes = file.image.imageBytes
            let copy = malloc(max(bytes.count, 1))
            guard let copy else {
                dwfl_end(dwfl)
                throw ObjectFileError.unreadable(path: path, reason: "out of memory copying \(bytes.count) bytes for libdw")
            }
            if let base = bytes.baseAddress { copy.copyMemory(from: base, byteCount: bytes.count) }
            memory = copy
            module = dwfl_report_offline_memory(dwfl, name, path, copy.assumingMemoryBound(to: CChar.self), bytes.count)
        }
        func fail(_ what: String) -> ObjectFileError {
            let error = ObjectFileError.corruptSection(path: file.path, section: ".debug_info",
                                                       reason: "\(what): \(Self.lastError())")
            dwfl_end(dwfl)
            free(memory)
            return error
        }
        guard let module else { throw fail("libdwfl cannot open the file") }
        guard dwfl_report_end(dwfl, nil, nil) == 0 else { throw fail("libdwfl") }
        var bias: Dwarf_Addr = 0
        guard let dwarf = dwfl_module_getdwarf(module, &bias) else { throw fail("libdw") }
        var elfBias: GElf_Addr = 0
        guard let elf = dwfl_module_getelf(module, &elfBias) else { throw fail("libdwfl has no ELF handle") }
        var addresses: [UInt64?] = []
        for section in file.sections {
            var shdr = GElf_Shdr()
            // Sections libdwfl did not place (not SHF_ALLOC) have no address.
            if section.index != 0, section.isAllocated, let scn = elf_getscn(elf, section.index),
               gelf_getshdr(scn, &shdr) != nil, file.isRelocatable ? true : shdr.sh_addr != 0 {
                addresses.append(shdr.sh_addr &+ elfBias)
            } else {
                addresses.append(nil)
            }
        }
        self.dwfl = dwfl
        self.module = module
        self.dwarf = dwarf
        self.memory = memory
        self.sectionAddresses = addresses
        self.sectionSizes = file.sections.map(\.size)
    }

    deinit {
        dwfl_end(dwfl)
        free(memory)
    }

    static func lastError() -> String {
        if let m = dwfl_errmsg(-1) { return String(cString: m) }
        return "unknown error"
    }

    // MARK: Addresses

    /// The address libdwfl gives `offset` in `section`: the section's
    /// sh_addr in libdwfl's copy of the headers, plus the module's bias,
    /// plus offset. For a relocatable object, libdwfl's offline layout
    /// wrote that sh_addr (elfutils 0.188 lays the SHF_ALLOC sections out
    /// one after another from 0x10000); a shared object is biased by
    /// 0x10000; an executable keeps its own addresses. This is the address
    /// `eu-addr2line -j SECTION OFFSET` looks up.
    func address(section: Int, offset: UInt64) -> UInt64? {
        guard sectionAddresses.indices.contains(section), let base = sectionAddresses[section],
              offset < sectionSizes[section] else { return nil }
        return base &+ offset
    }

    // MARK: Inline chains

    func unitName(section: Int, offset: UInt64) -> String? {
        guard let addr = address(section: section, offset: offset) else { return nil }
        return functionScopes(at: addr).1?.name
    }

    func inlineChain(section: Int, offset: UInt64, callers: CallerLookup) -> [SourceFrame] {
        guard let addr = address(section: section, offset: offset) else { return [] }
        return inlineChain(address: addr, callers: callers)
    }

    /// eu-addr2line's handle_address with -i -f, from the scope index.
    /// Answers are kept: a comparison asks for each site twice (once per
    /// strategy).
    func inlineChain(address addr: Dwarf_Addr, callers: CallerLookup) -> [SourceFrame] {
        let key = ChainKey(address: addr, atLineRowStart: callers == .atLineRowStart)
        if let known = chains[key] { return known }
        let chain = computeInlineChain(address: addr, callers: callers)
        chains[key] = chain
        return chain
    }

    private struct ChainKey: Hashable {
        let address: Dwarf_Addr
        let atLineRowStart: Bool
    }

    private func computeInlineChain(address addr: Dwarf_Addr, callers: CallerLookup) -> [SourceFrame] {
        let (functions, unit) = functionScopes(at: addr)
        let line = lineTablePosition(addr)
        if functions.isEmpty && line == nil { return [] }

        // Frame 0: the innermost function's name (the symbol table's when
        // DWARF has none), at the line-table position.
        var name: String?
        if var innermost = functions.first?.die { name = cachedFunctionName(&innermost) }
        if name == nil, let s = dwfl_module_addrname(module, addr) { name = String(cString: s) }
        let position = line.map { ($0.file, $0.line, $0.column) } ?? (SourceFrame.unknownName, 0, 0)
        var frames = [SourceFrame(function: name ?? SourceFrame.unknownName, file: position.0,
                                  line: position.1, column: position.2)]

        var chain = (functions, unit)
        if callers == .atLineRowStart, let row = line?.rowAddress, row != addr { chain = functionScopes(at: row) }
        // Each inlined subroutine adds its caller at the call site.
        for (k, entry) in chain.0.enumerated() where Int(entry.tag) == DW_TAG_inlined_subroutine {
            var caller = SourceFrame.unknownName
            if k + 1 < chain.0.count {
                var parent = chain.0[k + 1].die
                caller = cachedFunctionName(&parent) ?? SourceFrame.unknownName
            }
            var die = entry.die
            let site = callSite(&die, unit: chain.1)
            frames.append(SourceFrame(function: caller, file: site.file, line: site.line, column: site.column))
        }
        return frames
    }

    /// The subprograms, inlined subroutines and entry points containing
    /// `addr`, innermost first, and the unit's index.
    private func functionScopes(at addr: Dwarf_Addr) -> ([(die: Dwarf_Die, tag: Int32)], ScopeIndex?) {
        var bias: Dwarf_Addr = 0
        let cuDIE: Dwarf_Die
        if let cuPointer = dwfl_module_addrdie(module, addr, &bias), covers(cuPointer.pointee, addr &- bias) {
            cuDIE = cuPointer.pointee
        } else if let (cu, b) = unitByRanges(addr) {
            (cuDIE, bias) = (cu, b)
        } else {
            return ([], nil)
        }
        let unit = scopeIndex(for: cuDIE)
        var functions: [(die: Dwarf_Die, tag: Int32)] = []
        for n in unit.scopes(containing: addr &- bias) {
            let node = unit.nodes[Int(n)]
            guard ScopeIndex.isFunction(node.tag) else { continue }
            var die = Dwarf_Die()
            guard dwarf_offdie(dwarf, node.offset, &die) != nil else { continue }
            functions.append((die, node.tag))
        }
        return (functions, unit)
    }

    private func scopeIndex(for unit: Dwarf_Die) -> ScopeIndex {
        var cu = unit
        let key = DIE.offset(&cu)
        if let cached = scopeIndexes[key] { return cached }
        let built = ScopeIndex(unit: unit)
        scopeIndexes[key] = built
        return built
    }

    private func cachedFunctionName(_ die: inout Dwarf_Die) -> String? {
        let key = DIE.offset(&die)
        if let cached = functionNames[key] { return cached }
        let name = DIE.functionName(&die)
        functionNames[key] = name
        return name
    }

    /// eu-addr2line's print_src: a relative path is joined to the unit's
    /// DW_AT_comp_dir.
    private static func joined(_ file: String, compDir: String?) -> String {
        if file.hasPrefix("/") { return file }
        guard let compDir else { return file }
        return compDir + "/" + file
    }

    /// The line-table row covering `addr`: position, and where the row starts.
    private func lineTablePosition(_ addr: Dwarf_Addr) -> (file: String, line: Int, column: Int, rowAddress: Dwarf_Addr)? {
        // libdwfl's unit must cover addr (see DebugInfoUnitRanges).
        var bias: Dwarf_Addr = 0
        guard let line = dwfl_module_getsrc(module, addr), let cu = dwfl_linecu(line),
              dwfl_module_getdwarf(module, &bias) != nil, covers(cu.pointee, addr &- bias) else {
            return lineByRanges(addr).map { (Self.joined($0.file, compDir: $0.compDir), $0.line, $0.column, $0.rowAddress) }
        }
        var rowAddress: Dwarf_Addr = 0
        var lineno: Int32 = 0, column: Int32 = 0
        guard let src = dwfl_lineinfo(line, &rowAddress, &lineno, &column, nil, nil) else { return nil }
        let compDir = DIE.string(&cu.pointee, DW_AT_comp_dir)
        return (Self.joined(String(cString: src), compDir: compDir), Int(lineno), Int(column), rowAddress)
    }

    private func callSite(_ die: inout Dwarf_Die, unit: ScopeIndex?) -> (file: String, line: Int, column: Int) {
        guard let files = unit?.files, let fileIndex = DIE.unsigned(&die, DW_AT_call_file),
              let src = dwarf_filesrc(files, Int(clamping: fileIndex), nil, nil) else {
            return (SourceFrame.unknownName, 0, 0)
        }
        let line = DIE.unsigned(&die, DW_AT_call_line).map { Int(clamping: $0) } ?? 0
        let column = DIE.unsigned(&die, DW_AT_call_column).map { Int(clamping: $0) } ?? 0
        return (Self.joined(String(cString: src), compDir: unit?.compDir), line, column)
    }
}
