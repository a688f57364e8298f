/// Everything a user's input can do wrong, each naming the file.
///
/// `description` is the one line the CLI prints (`file: problem`); nothing
/// below the CLI prints.
public enum ObjectFileError: Error, Equatable, Sendable, CustomStringConvertible {
    case missing(path: String)
    case unreadable(path: String, reason: String)
    case notELF(path: String)
    case not64Bit(path: String)
    case notLittleEndian(path: String)
    case notX86_64(path: String, machine: UInt16)
    case truncated(path: String, what: String)
    case sectionIndexOutOfRange(path: String, index: Int, context: String)
    case symbolIndexOutOfRange(path: String, index: Int, context: String)
    case relocationIndexOutOfRange(path: String, index: Int, context: String)
    case sectionBeyondEndOfFile(path: String, section: String, end: UInt64, fileSize: UInt64)
    /// sh_offset itself lies past the end of the file.
    case sectionOffsetPastEndOfFile(path: String, section: String, offset: UInt64, fileSize: UInt64)
    /// sh_size alone is larger than the whole file (a huge or corrupt size).
    case sectionLargerThanFile(path: String, section: String, size: UInt64, fileSize: UInt64)
    /// Two sections (or a section and the ELF header or the section header
    /// table) claim the same bytes of the file.
    case overlappingSections(path: String, first: String, second: String, from: UInt64, to: UInt64)
    /// An executable section with no bytes (NOBITS, or size 0) that
    /// relocations patch: there is no code to decode at their offsets.
    case codeWithoutBytes(path: String, section: String, nobits: Bool, patchedBy: String, entries: UInt64)
    case noSymbolTable(path: String)
    case corruptSection(path: String, section: String, reason: String)
    case decompression(path: String, format: String, reason: String)
    case libelf(path: String, message: String)

    public var path: String {
        switch self {
        case .missing(let p), .unreadable(let p, _), .notELF(let p), .not64Bit(let p),
             .notLittleEndian(let p), .notX86_64(let p, _), .truncated(let p, _),
             .sectionIndexOutOfRange(let p, _, _), .symbolIndexOutOfRange(let p, _, _),
             .relocationIndexOutOfRange(let p, _, _), .sectionBeyondEndOfFile(let p, _, _, _),
             .sectionOffsetPastEndOfFile(let p, _, _, _), .sectionLargerThanFile(let p, _, _, _),
             .overlappingSections(let p, _, _, _, _), .codeWithoutBytes(let p, _, _, _, _),
             .noSymbolTable(let p), .corruptSection(let p, _, _), .decompression(let p, _, _),
             .libelf(let p, _):
            return p
        }
    }

    /// The problem without the file name.
    public var problem: String {
        switch self {
        case .missing: return "no such file"
        case .unreadable(_, let reason): return "cannot read: \(reason)"
        case .notELF: return "not an ELF file"
        case .not64Bit: return "32-bit ELF; only ELF64 x86-64 is supported"
        case .notLittleEndian: return "big-endian ELF; only little-endian x86-64 is supported"
        case .notX86_64(_, let m): return "not x86-64 (e_machine \(m))"
        case .truncated(_, let what): return "truncated: \(what)"
        case .sectionIndexOutOfRange(_, let i, let ctx): return "section index \(i) out of range (\(ctx))"
        case .symbolIndexOutOfRange(_, let i, let ctx): return "symbol index \(i) out of range (\(ctx))"
        case .relocationIndexOutOfRange(_, let i, let ctx): return "relocation \(i) out of range (\(ctx))"
        case .sectionBeyondEndOfFile(_, let s, let end, let size):
            return "section \(s) ends at byte \(end), beyond the end of the file (\(size) bytes)"
        case .sectionOffsetPastEndOfFile(_, let s, let offset, let size):
            return "section \(s) starts at byte \(offset) (sh_offset), past the end of the file (\(size) bytes)"
        case .sectionLargerThanFile(_, let s, let sectionSize, let size):
            return "section \(s) claims \(sectionSize) bytes (sh_size), more than the whole file (\(size) bytes)"
        case .overlappingSections(_, let a, let b, let from, let to):
            return "\(a) and \(b) overlap in the file (bytes \(hex(from)) to \(hex(to)) belong to both)"
        case .codeWithoutBytes(_, let s, let nobits, let rs, let n):
            let what = nobits ? "has no bytes in the file (NOBITS)" : "is empty (size 0)"
            return "code section \(s) \(what), but \(rs) patches it (\(n) entries)"
        case .noSymbolTable: return "no symbol table (stripped?)"
        case .corruptSection(_, let s, let reason): return "section \(s): \(reason)"
        case .decompression(_, let f, let reason): return "cannot decompress \(f): \(reason)"
        case .libelf(_, let message): return "libelf: \(message)"
        }
    }

    public var description: String { "\(path): \(problem)" }
}
