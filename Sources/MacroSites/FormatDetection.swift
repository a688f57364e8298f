import ELF

/// Which format a records section holds, when `--layout` does not say.
public enum FormatDetection {
    /// The order formats are tried in; the first that fits wins. The two
    /// 16-byte `.parainstructions` formats come first and between them take
    /// every section that is not `.altinstructions` and whose size fits
    /// 16-byte records, told apart by the clobber bytes. Only then the two
    /// `alt_instr` formats, told apart by where the relocations fall (else
    /// by the size); for a 16-byte-record size that 14 also divides
    /// (112 bytes), the order is what decides.
    public static let order: [any RecordFormat] = [
        ClobbersFormat(), Linux61Format(), Linux68Format(), AltInstrBefore68Format(),
    ]

    /// The first format in `order` that `section` fits, and why, in one line.
    public static func detect(_ section: RecordSection) throws -> (format: any RecordFormat, reason: String) {
        for format in order {
            if let reason = format.fit(section) { return (format, reason) }
        }
        throw ObjectFileError.corruptSection(path: section.path, section: section.name,
                                             reason: "size \(section.size) and relocations fit no known record layout; give --layout")
    }
}
