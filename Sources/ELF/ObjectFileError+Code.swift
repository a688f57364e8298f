/// The catalogue codes of `ObjectFileError` (docs/messages.md, "Input files").
extension ObjectFileError: CataloguedMessage {
    public enum Code: String, CaseIterable, Sendable {
        case missing = "no-such-file"
        case unreadable = "cannot-read"
        case notELF = "not-elf"
        case not64Bit = "not-elf64"
        case notLittleEndian = "big-endian"
        case notX86_64 = "not-x86-64"
        case truncated = "truncated"
        case sectionIndexOutOfRange = "section-index-out-of-range"
        case symbolIndexOutOfRange = "symbol-index-out-of-range"
        case relocationIndexOutOfRange = "relocation-out-of-range"
        case sectionBeyondEndOfFile = "section-beyond-end"
        case sectionOffsetPastEndOfFile = "section-offset-past-end"
        case sectionLargerThanFile = "section-larger-than-file"
        case overlappingSections = "overlapping-sections"
        case codeWithoutBytes = "code-without-bytes"
        case noSymbolTable = "no-symbol-table"
        case corruptSection = "corrupt-section"
        case decompression = "cannot-decompress"
        case libelf = "libelf"
    }

    public var code: Code {
        switch self {
        case .missing: .missing
        case .unreadable: .unreadable
        case .notELF: .notELF
        case .not64Bit: .not64Bit
        case .notLittleEndian: .notLittleEndian
        case .notX86_64: .notX86_64
        case .truncated: .truncated
        case .sectionIndexOutOfRange: .sectionIndexOutOfRange
        case .symbolIndexOutOfRange: .symbolIndexOutOfRange
        case .relocationIndexOutOfRange: .relocationIndexOutOfRange
        case .sectionBeyondEndOfFile: .sectionBeyondEndOfFile
        case .sectionOffsetPastEndOfFile: .sectionOffsetPastEndOfFile
        case .sectionLargerThanFile: .sectionLargerThanFile
        case .overlappingSections: .overlappingSections
        case .codeWithoutBytes: .codeWithoutBytes
        case .noSymbolTable: .noSymbolTable
        case .corruptSection: .corruptSection
        case .decompression: .decompression
        case .libelf: .libelf
        }
    }
}
