import ELF

/// A section of annotated-site records as the formats see it: its name,
/// its bytes and the relocations that patch it.
public struct RecordSection: Sendable {
    public let path: String
    public let name: String
    /// sh_size; `bytes` is empty when the section has no bytes in the file.
    public let size: UInt64
    public let bytes: [UInt8]
    /// Relocations that patch the section, by offset (objects, and images
    /// linked with `--emit-relocs`).
    public let relocations: RelocationIndex

    public init(path: String, name: String, size: UInt64, bytes: [UInt8], relocations: RelocationIndex) {
        self.path = path
        self.name = name
        self.size = size
        self.bytes = bytes
        self.relocations = relocations
    }

    /// Throws when the section's relocations cannot be read.
    public init(file: ObjectFile, section: Section) throws {
        self.init(path: file.path, name: section.name, size: section.size,
                  bytes: file.bytes(of: section), relocations: try file.relocations(patching: section))
    }

    /// Of the whole `stride`-byte records, how many have a non-zero byte in
    /// `field`.
    func recordsWithNonZero(_ field: RecordLayout.Field, stride: Int) -> (nonZero: Int, records: Int) {
        let count = bytes.count / stride
        var nonZero = 0
        for i in 0 ..< count where (0 ..< field.width).contains(where: { bytes[i * stride + field.offset + $0] != 0 }) {
            nonZero += 1
        }
        return (nonZero, count)
    }

    /// Whether the section is whole `stride`-byte records with a relocation
    /// at 0 and at 4 of each: two PC-relative pointers per record, as
    /// alt_instr has.
    func hasPointerPairs(every stride: UInt64) -> Bool {
        size % stride == 0 && relocations.count == Int(size / stride) * 2
            && relocations.entries.allSatisfy { $0.offset % stride == 0 || $0.offset % stride == 4 }
    }
}
