/// Checks of the file's layout as a whole, after every section header has
/// been read: what no single header can show. Each class of damage has its
/// own error (see `ObjectFileError`), so a user can tell a truncated
/// download from a corrupt size from two sections sharing bytes.
extension ELFImage {
    /// Why section `name`'s bytes do not fit in the file: its offset is past
    /// the end, its size alone is larger than the file, or (the rest) it
    /// runs past the end.
    func extentError(section name: String, offset: UInt64, size: UInt64) -> ObjectFileError {
        let fileSize = UInt64(raw.count)
        if offset > fileSize {
            return .sectionOffsetPastEndOfFile(path: path, section: name, offset: offset, fileSize: fileSize)
        }
        if size > fileSize {
            return .sectionLargerThanFile(path: path, section: name, size: size, fileSize: fileSize)
        }
        let (end, overflow) = offset.addingReportingOverflow(size)
        return .sectionBeyondEndOfFile(path: path, section: name, end: overflow ? .max : end, fileSize: fileSize)
    }

    /// Whole-file checks; `sections` have been read, each inside the file.
    ///
    /// - Overlap: no two sections with bytes in the file, nor a section and
    ///   the ELF header or the section header table, share a byte. (A
    ///   relocation section laid over the code it patches would otherwise
    ///   be read as both.)
    /// - Code without bytes: an executable section that is NOBITS or empty
    ///   must not be the target of a non-empty relocation section.
    func validateLayout(_ sections: [Section]) throws {
        // e_shoff; header() has checked that the header is all there.
        let sectionHeaderOffset = raw.count >= 64 ? raw.loadUnaligned(fromByteOffset: 40, as: UInt64.self) : 0
        try validateNoOverlap(sections, sectionHeaderOffset: sectionHeaderOffset)
        try validateCodeHasBytes(sections)
    }

    private func validateNoOverlap(_ sections: [Section], sectionHeaderOffset: UInt64) throws {
        var extents: [(start: UInt64, end: UInt64, name: String)] = [(0, 64, "the ELF header")]
        if sectionHeaderOffset != 0 {
            let count = UInt64(max(sections.count, 1))
            extents.append((sectionHeaderOffset, sectionHeaderOffset &+ count &* 64, "the section header table"))
        }
        for s in sections where s.index != 0 && s.hasFileBytes && s.size > 0 {
            // Extents were checked against the file size: no overflow.
            extents.append((s.fileOffset, s.fileOffset + s.size, "section \(s.name.isEmpty ? "[\(s.index)]" : s.name)"))
        }
        extents.sort { ($0.start, $0.end) < ($1.start, $1.end) }
        // The extent reaching furthest so far: any later start below its end overlaps it.
        var reach = extents[0]
        for e in extents.dropFirst() {
            if e.start < reach.end {
                throw ObjectFileError.overlappingSections(path: path, first: reach.name, second: e.name,
                                                          from: e.start, to: min(e.end, reach.end) - 1)
            }
            if e.end > reach.end { reach = e }
        }
    }

    private func validateCodeHasBytes(_ sections: [Section]) throws {
        for rs in sections where (rs.type == .rela || rs.type == .rel) && rs.size > 0 {
            let target = Int(rs.info)
            guard target > 0, target < sections.count else { continue }  // sh_info is checked later
            let code = sections[target]
            guard code.isExecutable, code.type == .nobits || code.size == 0 else { continue }
            let entry: UInt64 = rs.type == .rela ? 24 : 16
            throw ObjectFileError.codeWithoutBytes(path: path, section: code.name, nobits: code.type == .nobits,
                                                   patchedBy: rs.name, entries: rs.size / entry)
        }
    }
}
