import CElf
#if canImport(Glibc)
import Glibc
#endif

/// The only place that talks to libelf: owns the libelf handle and the bytes
/// behind it (libelf's mmap of the file, or a decompressed buffer), and
/// turns headers and tables into Swift values, validating every index and
/// extent on the way. Nothing here traps on bad input; everything throws an
/// `ObjectFileError` naming the file.
package final class ELFImage {
    let path: String
    let compression: CompressionFormat?
    let elf: OpaquePointer
    /// The whole file image, as libelf sees it.
    let raw: UnsafeRawBufferPointer
    private var fd: Int32 = -1
    private var buffer: OwnedBuffer?
    /// Keeps test and fuzz inputs alive for `elf_memory`.
    private var storage: UnsafeMutableRawBufferPointer?

    private static let libelfReady: Bool = elf_version(UInt32(EV_CURRENT)) != UInt32(EV_NONE)

    init(path: String) throws {
        self.path = path
        guard Self.libelfReady else { throw ObjectFileError.libelf(path: path, message: "library version mismatch") }
        var st = stat()
        if stat(path, &st) != 0 {
            if errno == ENOENT || errno == ENOTDIR { throw ObjectFileError.missing(path: path) }
            throw ObjectFileError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        if (st.st_mode & S_IFMT) == S_IFDIR { throw ObjectFileError.unreadable(path: path, reason: "is a directory") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ObjectFileError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        var head = [UInt8](repeating: 0, count: 6)
        let got = head.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 6, 0) }
        let format = got == 6 ? head.withUnsafeBytes { CompressionFormat.detect($0) } : nil
        self.compression = format
        if let format {
            defer { close(fd) }
            let whole = try Self.readAll(fd: fd, size: Int(st.st_size), path: path)
            let out = try whole.withUnsafeBytes { try Decompression.decompress($0, format: format, path: path) }
            guard let e = elf_memory(out.pointer.assumingMemoryBound(to: CChar.self), out.count) else {
                throw ObjectFileError.libelf(path: path, message: Self.lastError())
            }
            self.buffer = out
            self.elf = e
        } else {
            guard let e = elf_begin(fd, ELF_C_READ_MMAP, nil) else {
                let message = Self.lastError()
                close(fd)
                throw Self.beginError(path: path, head: Array(head.prefix(max(got, 0))), size: Int(st.st_size),
                                      message: message)
            }
            self.fd = fd
            self.elf = e
        }
        self.raw = Self.rawFile(elf)
    }

    /// The file's bytes as libelf holds them (empty when it has none).
    private static func rawFile(_ elf: OpaquePointer) -> UnsafeRawBufferPointer {
        var size = 0
        guard let p = elf_rawfile(elf, &size) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: p, count: size)
    }

    init(bytes: [UInt8], name: String) throws {
        self.path = name
        guard Self.libelfReady else { throw ObjectFileError.libelf(path: name, message: "library version mismatch") }
        let format = bytes.withUnsafeBytes { CompressionFormat.detect($0) }
        self.compression = format
        if let format {
            let out = try bytes.withUnsafeBytes { try Decompression.decompress($0, format: format, path: name) }
            self.buffer = out
            guard let e = elf_memory(out.pointer.assumingMemoryBound(to: CChar.self), out.count) else {
                throw ObjectFileError.libelf(path: name, message: Self.lastError())
            }
            self.elf = e
        } else {
            let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
            copy.copyMemory(from: UnsafeRawBufferPointer(start: bytes.withUnsafeBytes { $0.baseAddress }, count: 0))
            bytes.withUnsafeBytes { src in
                if let base = src.baseAddress { copy.baseAddress!.copyMemory(from: base, byteCount: src.count) }
            }
            self.storage = copy
            guard let e = elf_memory(copy.baseAddress!.assumingMemoryBound(to: CChar.self), bytes.count) else {
                copy.deallocate()
                throw ObjectFileError.libelf(path: name, message: Self.lastError())
            }
            self.elf = e
        }
        self.raw = Self.rawFile(elf)
    }

    deinit {
        elf_end(elf)
        if fd >= 0 { close(fd) }
        storage?.deallocate()
    }

    /// The file descriptor libelf reads from, or -1 for in-memory images.
    package var fileDescriptor: Int32 { fd }

    /// The bytes of the (possibly decompressed) image, for libdw's in-memory use.
    package var imageBytes: UnsafeRawBufferPointer { raw }

    /// Why libelf would not start on a file: a short ELF file is truncated,
    /// anything else without the magic is not ELF.
    static func beginError(path: String, head: [UInt8], size: Int, message: String) -> ObjectFileError {
        guard head.count >= 4, head.prefix(4) == [0x7f, 0x45, 0x4c, 0x46] else { return .notELF(path: path) }
        if head.count >= 5, head[4] == 1 { return .not64Bit(path: path) }
        if size < 64 { return .truncated(path: path, what: "ELF header needs 64 bytes, file has \(size)") }
        return .libelf(path: path, message: message)
    }

    static func lastError() -> String {
        guard let m = elf_errmsg(-1) else { return "unknown error" }
        return String(cString: m)
    }

    private static func readAll(fd: Int32, size: Int, path: String) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = out.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, size - done, off_t(done)) }
            if n < 0 { throw ObjectFileError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            if n == 0 { break }
            done += n
        }
        return Array(out.prefix(done))
    }

    // MARK: Header

    func header() throws -> GElf_Ehdr {
        guard elf_kind(elf) == ELF_K_ELF else { throw ObjectFileError.notELF(path: path) }
        guard raw.count >= 64 else {
            if raw.count >= 5, raw[4] == 1 { throw ObjectFileError.not64Bit(path: path) }
            throw ObjectFileError.truncated(path: path, what: "ELF header needs 64 bytes, file has \(raw.count)")
        }
        if raw[4] == 1 { throw ObjectFileError.not64Bit(path: path) }
        guard raw[4] == 2 else { throw ObjectFileError.corruptSection(path: path, section: "ELF header", reason: "bad EI_CLASS \(raw[4])") }
        if raw[5] == 2 { throw ObjectFileError.notLittleEndian(path: path) }
        guard raw[5] == 1 else { throw ObjectFileError.corruptSection(path: path, section: "ELF header", reason: "bad EI_DATA \(raw[5])") }
        var ehdr = GElf_Ehdr()
        guard gelf_getehdr(elf, &ehdr) != nil else {
            throw ObjectFileError.truncated(path: path, what: "ELF header: \(Self.lastError())")
        }
        guard ehdr.e_machine == UInt16(EM_X86_64) else {
            throw ObjectFileError.notX86_64(path: path, machine: ehdr.e_machine)
        }
        // Check the section header table's extent before libelf walks it.
        if ehdr.e_shoff != 0 {
            if ehdr.e_shentsize != 64 {
                throw ObjectFileError.corruptSection(path: path, section: "ELF header",
                                                     reason: "e_shentsize \(ehdr.e_shentsize), expected 64")
            }
            let count = UInt64(ehdr.e_shnum == 0 ? 1 : ehdr.e_shnum)
            let (end, overflow) = ehdr.e_shoff.addingReportingOverflow(count * 64)
            if overflow || end > UInt64(raw.count) {
                throw ObjectFileError.truncated(
                    path: path, what: "section header table at \(hex(ehdr.e_shoff)) (\(count) entries) ends past the end of the file (\(raw.count) bytes)")
            }
        }
        return ehdr
    }

    // MARK: Sections

    func readSections() throws -> [Section] {
        var count = 0
        guard elf_getshdrnum(elf, &count) == 0 else {
            throw ObjectFileError.truncated(path: path, what: "section header table: \(Self.lastError())")
        }
        if count == 0 { return [] }
        var shstrndx = 0
        guard elf_getshdrstrndx(elf, &shstrndx) == 0 else {
            throw ObjectFileError.corruptSection(path: path, section: "ELF header", reason: "no section name table: \(Self.lastError())")
        }
        guard shstrndx < count else {
            throw ObjectFileError.sectionIndexOutOfRange(path: path, index: shstrndx, context: "e_shstrndx, \(count) sections")
        }
        // 64 bytes per header, checked in header(); bound the count anyway.
        guard UInt64(count) * 64 <= UInt64(raw.count) else {
            throw ObjectFileError.truncated(path: path, what: "\(count) section headers do not fit in \(raw.count) bytes")
        }
        let names = try rawSectionHeader(index: shstrndx)
        let nameTable = try stringTable(offset: names.sh_offset, size: names.sh_size, type: names.sh_type,
                                        label: "section name table")
        var sections: [Section] = []
        sections.reserveCapacity(count)
        for i in 0 ..< count {
            let sh = try rawSectionHeader(index: i)
            let name: String
            if i == 0 {
                name = ""
            } else if let n = nameTable.string(at: UInt64(sh.sh_name)) {
                name = n
            } else {
                throw ObjectFileError.corruptSection(path: path, section: "[\(i)]",
                                                     reason: "name offset \(sh.sh_name) outside the section name table")
            }
            let section = Section(index: i, name: name, type: SectionType(rawValue: sh.sh_type),
                                  flags: SectionFlags(rawValue: sh.sh_flags), address: sh.sh_addr,
                                  fileOffset: sh.sh_offset, size: sh.sh_size, link: sh.sh_link,
                                  info: sh.sh_info, alignment: sh.sh_addralign, entrySize: sh.sh_entsize)
            if section.hasFileBytes && section.size > 0 && i != 0 {
                let (end, overflow) = sh.sh_offset.addingReportingOverflow(sh.sh_size)
                if overflow || end > UInt64(raw.count) {
                    throw extentError(section: name, offset: sh.sh_offset, size: sh.sh_size)
                }
            }
            sections.append(section)
        }
        try validateLayout(sections)
        return sections
    }

    private func rawSectionHeader(index: Int) throws -> GElf_Shdr {
        var sh = GElf_Shdr()
        guard let scn = elf_getscn(elf, index), gelf_getshdr(scn, &sh) != nil else {
            throw ObjectFileError.truncated(path: path, what: "section header \(index): \(Self.lastError())")
        }
        return sh
    }

    /// A string table's bytes, checked to lie in the file and to end in NUL.
    private func stringTable(offset: UInt64, size: UInt64, type: UInt32, label: String) throws -> StringTable {
        guard type != SectionType.nobits.rawValue else {
            throw ObjectFileError.corruptSection(path: path, section: label, reason: "string table has no bytes (NOBITS)")
        }
        let (end, overflow) = offset.addingReportingOverflow(size)
        guard !overflow, end <= UInt64(raw.count) else {
            throw extentError(section: label, offset: offset, size: size)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: raw[Int(offset) ..< Int(end)])
        if let last = bytes.last, last != 0 {
            throw ObjectFileError.corruptSection(path: path, section: label, reason: "string table without terminator")
        }
        return StringTable(bytes: bytes)
    }

    func bytes(of section: Section) -> UnsafeRawBufferPointer {
        guard section.hasFileBytes, section.size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        // Extents were checked when the sections were read.
        return UnsafeRawBufferPointer(rebasing: raw[Int(section.fileOffset) ..< Int(section.fileOffset + section.size)])
    }

    // MARK: Symbols

    /// The symbol table, validated entry by entry (name inside the string
    /// table, SHN_XINDEX backed by SYMTAB_SHNDX, section index in range)
    /// without making a value or a String for any symbol.
    func readSymbolTable(sections: [Section]) throws -> (SymbolTableView, Int?) {
        guard let symtab = sections.first(where: { $0.type == .symtab }) else { return (.empty, nil) }
        guard symtab.entrySize == 24 else {
            throw ObjectFileError.corruptSection(path: path, section: symtab.name,
                                                 reason: "symbol table entry size \(symtab.entrySize), expected 24")
        }
        guard symtab.size % 24 == 0 else {
            throw ObjectFileError.corruptSection(path: path, section: symtab.name,
                                                 reason: "size \(symtab.size) is not a multiple of 24")
        }
        guard Int(symtab.link) < sections.count, symtab.link != 0 else {
            throw ObjectFileError.sectionIndexOutOfRange(path: path, index: Int(symtab.link),
                                                         context: "sh_link of \(symtab.name)")
        }
        let strSec = sections[Int(symtab.link)]
        let strings = try stringTable(offset: strSec.fileOffset, size: strSec.size, type: strSec.type.rawValue,
                                      label: strSec.name)
        let extended = sections.first { $0.type == .symtabShndx && Int($0.link) == symtab.index }
        let extBytes = extended.map { bytes(of: $0) }
        let data = bytes(of: symtab)
        let count = data.count / 24
        let stringCount = strings.bytes.count
        let sectionCount = sections.count
        for i in 0 ..< count {
            let base = i * 24
            let nameOffset = data.loadUnaligned(fromByteOffset: base, as: UInt32.self)
            // The table ends in NUL (checked above): any offset inside it names a string.
            guard Int(nameOffset) < stringCount else {
                throw ObjectFileError.corruptSection(path: path, section: symtab.name,
                                                     reason: "symbol \(i): name offset \(nameOffset) outside \(strSec.name)")
            }
            var shndx = Int(data.loadUnaligned(fromByteOffset: base + 6, as: UInt16.self))
            if shndx == 0xffff {
                guard let ext = extBytes, (i + 1) * 4 <= ext.count else {
                    throw ObjectFileError.corruptSection(path: path, section: symtab.name,
                                                         reason: "symbol \(i) uses SHN_XINDEX without SYMTAB_SHNDX")
                }
                shndx = Int(ext.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            }
            if shndx != 0, shndx < 0xff00 || shndx > 0xffff, shndx >= sectionCount {
                let name = strings.string(at: UInt64(nameOffset)) ?? ""
                throw ObjectFileError.sectionIndexOutOfRange(path: path, index: shndx,
                                                             context: "symbol \(i) '\(name)', \(sectionCount) sections")
            }
        }
        let view = SymbolTableView(data: data, strings: strings.bytes, extended: extBytes, count: count)
        return (view, symtab.index)
    }

    // MARK: Relocations

    func readRelocationSections(sections: [Section]) throws -> [RelocationSection] {
        var result: [RelocationSection] = []
        for s in sections where s.type == .rela || s.type == .rel {
            let entry: UInt64 = s.type == .rela ? 24 : 16
            guard s.entrySize == entry else {
                throw ObjectFileError.corruptSection(path: path, section: s.name,
                                                     reason: "relocation entry size \(s.entrySize), expected \(entry)")
            }
            guard s.size % entry == 0 else {
                throw ObjectFileError.corruptSection(path: path, section: s.name,
                                                     reason: "size \(s.size) is not a multiple of \(entry)")
            }
            guard Int(s.info) < sections.count else {
                throw ObjectFileError.sectionIndexOutOfRange(path: path, index: Int(s.info), context: "sh_info of \(s.name)")
            }
            guard Int(s.link) < sections.count else {
                throw ObjectFileError.sectionIndexOutOfRange(path: path, index: Int(s.link), context: "sh_link of \(s.name)")
            }
            result.append(RelocationSection(section: s, targetIndex: Int(s.info), symbolTableIndex: Int(s.link)))
        }
        return result
    }

    /// Every entry of `rs`, or with `keep` only those whose symbol is in
    /// it. Every entry is validated either way (symbol index, r_offset
    /// inside the target unless it is NONE), so a filtered read fails exactly where a full
    /// read would; only kept entries become values. `range` limits the
    /// read to entries `range` (for reading one relocation section in
    /// parallel pieces).
    func readRelocations(_ rs: RelocationSection, sections: [Section], symbolCount: Int,
                         isRelocatable: Bool, keep: SymbolSet? = nil, range: Range<Int>? = nil) throws -> [Relocation] {
        let data = bytes(of: rs.section)
        let entry = rs.hasAddends ? 24 : 16
        let count = data.count / entry
        let target = rs.targetIndex != 0 ? sections[rs.targetIndex] : nil
        let checkSymbols = sections[rs.symbolTableIndex].type == .symtab
        let targetBytes = target.map { bytes(of: $0) }
        // In linked images r_offset is a virtual address; in ET_REL, an offset.
        let bias: UInt64 = (!isRelocatable && target?.isAllocated == true) ? target!.address : 0
        let checkTarget = target.map { $0.type != .nobits } ?? false
        let targetSize = target?.size ?? 0
        var result: [Relocation] = []
        if keep == nil { result.reserveCapacity(count) }
        let indices = range.map { max($0.lowerBound, 0) ..< min($0.upperBound, count) } ?? 0 ..< count
        for i in indices {
            let base = i * entry
            let rOffset = data.loadUnaligned(fromByteOffset: base, as: UInt64.self)
            let info = data.loadUnaligned(fromByteOffset: base + 8, as: UInt64.self)
            let sym = Int(info >> 32)
            let type = RelocationType(rawValue: UInt32(truncatingIfNeeded: info))
            if checkSymbols && sym >= symbolCount {
                throw ObjectFileError.symbolIndexOutOfRange(path: path, index: sym,
                                                            context: "\(rs.section.name)[\(i)], \(symbolCount) symbols")
            }
            var offset = rOffset
            // R_X86_64_NONE patches nothing, so its place is not checked:
            // Linux's sorttable leaves a vmlinux's `.rela__ex_table` all
            // NONE at r_offset 0, below the section's address.
            if checkTarget {
                offset = rOffset &- bias
                let width = UInt64(max(type.width, 1))
                if type != .none, rOffset < bias || offset > targetSize || targetSize - offset < width {
                    throw ObjectFileError.relocationIndexOutOfRange(
                        path: path, index: i,
                        context: "\(rs.section.name): r_offset \(hex(rOffset)) outside \(target!.name) (size \(hex(targetSize)))")
                }
            }
            if let keep, !keep.contains(sym) { continue }
            var addend: Int64
            if rs.hasAddends {
                addend = data.loadUnaligned(fromByteOffset: base + 16, as: Int64.self)
            } else {
                addend = Self.implicitAddend(targetBytes, offset: offset, type: type)
            }
            result.append(Relocation(index: i, rawOffset: rOffset, offset: offset, type: type,
                                     symbolIndex: sym, addend: addend))
        }
        return result
    }

    /// REL entries keep the addend in the bytes they patch.
    private static func implicitAddend(_ bytes: UnsafeRawBufferPointer?, offset: UInt64, type: RelocationType) -> Int64 {
        guard let bytes, type.width > 0, offset + UInt64(type.width) <= UInt64(bytes.count) else { return 0 }
        let o = Int(offset)
        switch type.width {
        case 8: return bytes.loadUnaligned(fromByteOffset: o, as: Int64.self)
        case 4:
            let v = bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self)
            return type == .r32 ? Int64(v) : Int64(Int32(bitPattern: v))
        case 2: return Int64(Int16(bitPattern: bytes.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
        default: return Int64(Int8(bitPattern: bytes[o]))
        }
    }
}

/// A NUL-terminated string table, bounds-checked.
struct StringTable {
    let bytes: UnsafeRawBufferPointer

    func string(at offset: UInt64) -> String? {
        guard offset < UInt64(bytes.count), let base = bytes.baseAddress else { return nil }
        let start = base + Int(offset)
        let limit = bytes.count - Int(offset)
        let len = strnlen(start.assumingMemoryBound(to: CChar.self), limit)
        guard len < limit else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: len), as: UTF8.self)
    }
}
