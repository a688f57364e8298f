import ELF

/// `pvsites objinfo`: what a file is, and which sections carry relocations.
public struct ObjectInfo: Codable, Sendable {
    public struct RelocationCount: Codable, Sendable {
        /// The relocation section (`.rela.text`).
        public let name: String
        /// The section it patches (`.text`), empty for dynamic relocations.
        public let target: String
        public let count: Int
    }

    public let path: String
    /// "relocatable", "linked with relocations" or "linked".
    public let type: String
    public let elfType: String
    public let compression: String?
    public let sections: Int
    public let symbols: Int
    public let relocationSections: [RelocationCount]
    /// Over all relocation sections.
    public let relocations: Int

    enum CodingKeys: String, CodingKey {
        case path, type, sections, symbols, compression
        case elfType = "elf_type"
        case relocationSections = "relocation_sections"
        case relocations
    }

    public init(file: ObjectFile) {
        path = file.path
        type = file.kindDescription
        elfType = file.fileType.description
        compression = file.compression?.rawValue
        sections = file.sections.count
        symbols = file.symbols.count
        relocationSections = file.relocationSections.map { rs in
            RelocationCount(name: rs.section.name,
                            target: rs.targetIndex == 0 ? "" : file.sections[rs.targetIndex].name,
                            count: rs.count)
        }
        relocations = relocationSections.reduce(0) { $0 + $1.count }
    }

    /// By hand only so that an uncompressed file says `"compression": null`
    /// (the synthesized encoder would leave the key out).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(type, forKey: .type)
        try c.encode(elfType, forKey: .elfType)
        try c.encode(compression, forKey: .compression)
        try c.encode(sections, forKey: .sections)
        try c.encode(symbols, forKey: .symbols)
        try c.encode(relocationSections, forKey: .relocationSections)
        try c.encode(relocations, forKey: .relocations)
    }
}

extension ObjectInfo {
    /// `pvsites objinfo`'s reading: every file in parallel (input order
    /// kept), a file that cannot be read a failure.
    public static func read(paths: [String]) -> Batch<ObjectInfo> {
        Batch(paths: paths) { ObjectInfo(file: $0) }
    }
}
