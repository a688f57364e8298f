import CorpusBuild
import ELF
import Foundation
import Records
import TestSupport
import Testing

/// Records made from an annotated file's own `.parainstructions` must be
/// that section again, byte for byte, with the same relocations, as
/// `readelf -x` and `readelf -rW` show them: the encoding is the layout
/// MacroSites reads, written back. The only records left out are the ones
/// refused; on the corpus those are the hand-written asm tail jumps
/// (`jmp *paravirt_ops+off(%rip)`, or absolute; `objdump -d` says so), which Linux 6.1's
/// patcher, writing a `call`, would break.
@Suite("Record encoding, against readelf")
struct RecordEncodingTests {
    static let configurations = [("kernel", "-O0"), ("kernel", "-O2"), ("kernel", "-Os"), ("retpoline", "-O2"), ("abs", "-O2")]
        .map { CorpusFixture.configuration($0.0, $0.1) }

    /// One file: our encoding against readelf's dump of its section.
    static func compare(_ path: String) throws -> (records: Int, refused: Int) {
        let run = try RecordsRun(file: try ObjectFile(path: path), options: .init(sites: .annotated))
        let dump = try Tools.readelfHex(path, ".parainstructions")
        let listing = try #require(try Readelf.read([path], in: [".rela.parainstructions"])[path])
        let relocations = listing.relocations(patching: ".parainstructions")
            .sorted { listing.sectionOffset($0) < listing.sectionOffset($1) }
        #expect(relocations.count == dump.count / 16, "\(path): one relocation per record")
        let refused = Set(run.set.refusals.map { "\($0.section)+\($0.offset)" })
        var bytes: [UInt8] = []
        var expected: [RecordRelocation] = []
        for r in relocations {
            guard !refused.contains("\(r.symbol)+\(r.addend)") else { continue }
            let slot = Int(listing.sectionOffset(r)) / 16
            expected.append(RecordRelocation(offset: UInt64(bytes.count), type: r.type, symbol: r.symbol, addend: r.addend))
            bytes += dump[slot * 16 ..< slot * 16 + 16]
        }
        #expect(run.encoded.bytes == bytes, "\(path)")
        #expect(run.encoded.relocations == expected, "\(path)")
        #expect(run.set.records.count + run.set.refusals.count == dump.count / 16, "\(path)")
        // Every refusal is a tail jump through memory, per objdump.
        let insns = try Tools.objdump(path)
        for f in run.set.refusals {
            let insn = insns[f.section]?[f.address]
            // `ff 25` (RIP-relative) or `ff 24 25` (absolute, the abs variant).
            #expect(f.reason == .tailCall && insn?.bytes.prefix(2) == [0xff, 0x25] || insn?.bytes.prefix(3) == [0xff, 0x24, 0x25],
                    "\(path) \(f.location): \(f.reason) \(insn?.text ?? "-")")
        }
        return (run.set.records.count, run.set.refusals.count)
    }

    @Test(arguments: configurations)
    func annotatedObjectsEqualTheirSection(_ cfg: BuildConfiguration) throws {
        let build = try #require(CorpusFixture.build.find(cfg, .annotated))
        var records = 0, withSection = 0
        for o in build.objects {
            let file = try ObjectFile(path: o.path)
            guard file.findSection(named: ".parainstructions") != nil else { continue }
            withSection += 1
            records += try Self.compare(o.path).records
        }
        #expect(withSection > 10 && records > 100, "\(cfg): \(withSection) objects, \(records) records")
    }

    @Test(arguments: configurations)
    func annotatedImageEqualsItsSection(_ cfg: BuildConfiguration) throws {
        let image = try #require(CorpusFixture.build.find(cfg, .annotated)?.image)
        let (records, refused) = try Self.compare(image)
        #expect(records > 100)
        // The corpus's asm tail jumps: system_call, retint_restore_args,
        // asm_write_cr3_flush (Corpus/asm), the same at every level.
        #expect(refused == 3)
    }

    /// An image's `.S` (absolute addresses) assembles to the raw bytes
    /// `-o` writes, as `objcopy -O binary` extracts them.
    @Test func imageAssemblyIsTheRawBytes() throws {
        let image = try #require(CorpusFixture.build.find(CorpusFixture.configuration("kernel", "-O2"), .plain)?.image)
        let run = try RecordsRun(file: try ObjectFile(path: image), options: .init(policy: .decoded))
        let asm = Fixtures.scratchPath("image-records.S"), object = Fixtures.scratchPath("image-records.o")
        let raw = Fixtures.scratchPath("image-records.bin")
        defer { for p in [asm, object, raw] { unlink(p) } }
        try run.assembly.write(toFile: asm, atomically: true, encoding: .utf8)
        try Command.check(["gcc", "-c", asm, "-o", object])
        try Command.check(["objcopy", "-O", "binary", "-j", ".parainstructions", object, raw])
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: raw)))
        #expect(bytes == run.encoded.bytes && bytes.count == run.set.records.count * 16 && !bytes.isEmpty)
    }

    /// `assembly` assembled with gcc and linked beside `object` (`ld -r`):
    /// the linked object's path.
    static func linkBeside(_ object: String, _ assembly: String, name: String) throws -> String {
        let asm = Fixtures.scratchPath(name + ".S"), records = Fixtures.scratchPath(name + ".o")
        let linked = Fixtures.scratchPath(name + "-linked.o")
        defer { for p in [asm, records] { unlink(p) } }
        try assembly.write(toFile: asm, atomically: true, encoding: .utf8)
        try Command.check(["gcc", "-c", asm, "-o", records])
        try Command.check(["ld", "-r", object, records, "-o", linked])
        return linked
    }

    /// The raw bytes `-o` writes for an image are the encoding; the `.S`
    /// for an object assembles, links beside it with `ld -r`, and its
    /// relocation names the function.
    @Test func assemblyLinksBesideTheObject() throws {
        let object = try Fixtures.compile(Shapes.source, name: "records-shapes", flags: ["-g"], language: "assembler-with-cpp")
        let run = try RecordsRun(file: try ObjectFile(path: object), options: .init(policy: .decoded))
        let linked = try Self.linkBeside(object, run.assembly, name: "records")
        defer { unlink(linked) }
        let listing = try #require(try Readelf.read([linked], in: [".rela.parainstructions"])[linked])
        let r = listing.relocations(patching: ".parainstructions")
        #expect(r.map { "\($0.type) \($0.symbol)+\($0.addend)" } == ["R_X86_64_64 ok_call+0"])
        // type 1 (+0x8 / 8), len 6, then padding to 16.
        #expect(try Tools.readelfHex(linked, ".parainstructions") == [0, 0, 0, 0, 0, 0, 0, 0, 1, 6, 0, 0, 0, 0, 0, 0])
    }

    /// Linux 6.8's layout (`--layout linux-6.8`): the `.S` for an object
    /// assembles and links beside it; readelf shows, per record, 14 bytes of
    /// `.altinstructions` (cpuid X86_FEATURE_ALWAYS 0x75, flags
    /// ALT_FLAG_DIRECT_CALL 2, instrlen 6, replacementlen 5) with two
    /// R_X86_64_PC32 (the site, its replacement) and a `call BUG_func` in
    /// `.altinstr_replacement`; only the 6-byte `ff 15` call is a record
    /// (alt_replace_call BUG()s on anything else), the relocation naming its
    /// function; the encoding's bytes and relocations are the same.
    @Test func directCallAlternativesLinkBesideTheObject() throws {
        let object = try Fixtures.compile(Shapes.source, name: "records-shapes", flags: ["-g"], language: "assembler-with-cpp")
        let run = try RecordsRun(file: try ObjectFile(path: object), options: .init(policy: .naive, layout: "linux-6.8",
                                                                                             decodeSites: true))
        let insns = try Tools.objdump(object)
        #expect(run.set.records.map(\.location) == ["ok_call+0x0"])
        for r in run.set.records { #expect(insns[r.section]?[r.address]?.bytes.prefix(2) == [0xff, 0x15] && r.length == 6) }
        // Every other naive guess is refused; the ones on a whole call of
        // another form as not-rip-relative-call (objdump: not ff 15).
        #expect(!run.set.refusals.isEmpty)
        for f in run.set.refusals where f.reason == .notRipRelativeCall {
            #expect(insns[f.section]?[f.address]?.bytes.prefix(2) != [0xff, 0x15], "\(f.location)")
        }
        let linked = try Self.linkBeside(object, run.assembly, name: "records68")
        defer { unlink(linked) }
        let listing = try #require(try Readelf.read([linked], in: [".rela.altinstructions", ".rela.altinstr_replacement"])[linked])
        let alt = listing.relocations(patching: ".altinstructions").sorted { listing.sectionOffset($0) < listing.sectionOffset($1) }
        #expect(alt.map(\.type) == ["R_X86_64_PC32", "R_X86_64_PC32"])
        #expect(alt.first.map { "\($0.symbol)+\($0.addend)" } == "ok_call+0")
        let replacement = listing.relocations(patching: ".altinstr_replacement")
        #expect(replacement.map(\.symbol) == ["BUG_func"])
        #expect(try Tools.readelfHex(linked, ".altinstructions") == [0, 0, 0, 0, 0, 0, 0, 0, 0x75, 0, 2, 0, 6, 5])
        #expect(try Tools.readelfHex(linked, ".altinstr_replacement").first == 0xe8)
        #expect(run.encoded.bytes == [0, 0, 0, 0, 0, 0, 0, 0, 0x75, 0, 2, 0, 6, 5])
        #expect(run.encoded.relocations.map(\.type) == ["R_X86_64_PC32", "R_X86_64_PC32"])
    }
}
