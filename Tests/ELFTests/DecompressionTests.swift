import Foundation
import ELF
import TestSupport
import Testing

/// Compressed modules are read in memory and give the same tables as the
/// plain file.
@Suite("Compressed objects")
struct DecompressionTests {
    @Test(arguments: [("xz", ".xz"), ("zstd", ".zst"), ("gzip", ".gz")])
    func sameAsUncompressed(tool: String, suffix: String) throws {
        let plain = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
        let packed = Fixtures.scratchPath("ops.ko" + suffix)
        defer { unlink(packed) }
        try Command.check(["sh", "-c", "\(tool) -c < '\(plain)' > '\(packed)'"])
        let a = try ObjectFile(path: plain)
        let b = try ObjectFile(path: packed)
        #expect(b.compression?.rawValue == tool)
        #expect(a.sections == b.sections)
        #expect(a.symbols == b.symbols)
        for (x, y) in zip(a.relocationSections, b.relocationSections) {
            #expect(try a.readRelocations(x) == (try b.readRelocations(y)))
        }
    }

    @Test(arguments: ["xz", "zstd", "gzip"])
    func truncatedStream(tool: String) throws {
        let plain = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
        let packed = try Data(contentsOf: URL(fileURLWithPath: plain)).withUnsafeBytes { _ in
            try Command.run(["sh", "-c", "\(tool) -c < '\(plain)' | head -c 300 | od -An -v -tx1"]).stdout
        }
        let bytes = packed.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt8($0, radix: 16) }
        #expect(throws: ObjectFileError.self) { try ObjectFile(bytes: bytes, name: "cut.ko") }
    }
}
