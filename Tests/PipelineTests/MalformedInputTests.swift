import Pipeline
import Foundation
import MacroSites
import ELF
import TestSupport
import Testing

/// One crafted file per class of malformed input, each made from a real
/// object by editing its bytes, and each answered with its own message:
/// a typed error naming the file (or, for a single bad record, a warning
/// naming the record) — never a trap, never a silent success.
@Suite("Malformed inputs, one class at a time")
struct MalformedInputTests {
    /// gcc output with a table and calls through it (ObjectFile-level classes).
    static func plainObject() throws -> ELFBytes {
        try ELFBytes(path: Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"]))
    }

    /// A corpus object with `.parainstructions` records (record classes).
    static func annotatedObject() throws -> ELFBytes {
        let path = try #require(CorpusFixture.object("src/macro_sites.c", "kernel", "-O2", .annotated))
        return try ELFBytes(path: path)
    }

    /// The error of running the whole path on crafted bytes (nil on success).
    static func error(_ b: ELFBytes, _ name: String) -> ObjectFileError? {
        do {
            _ = try WholePath.run(bytes: b.bytes, name: name, sourcePositions: false)
            return nil
        } catch let e as ObjectFileError {
            return e
        } catch {
            Issue.record("untyped error \(error)")
            return nil
        }
    }

    /// The problem line for each class, to check they all differ.
    static func problems() throws -> [String: String] {
        var out: [String: String] = [:]
        let cases: [(String, () throws -> ObjectFileError?)] = [
            ("record layout", { try Self.badRecordLayout() }),
            ("symbol", { try Self.relocationAgainstMissingSymbol() }),
            ("size", { try Self.hugeSize() }),
            ("offset", { try Self.offsetPastEnd() }),
            ("nobits", { try Self.nobitsText() }),
            ("empty", { try Self.emptyText() }),
            ("overlap", { try Self.overlap() }),
            ("strtab", { try Self.unterminatedStrings() }),
            ("entsize", { try Self.symbolEntrySizeZero() }),
        ]
        for (name, make) in cases { out[name] = try make()?.problem }
        return out
    }

    // MARK: The classes

    /// `.parainstructions` whose size fits no record layout (16-byte records
    /// less 8 bytes: neither 16, 14 nor 12 divides it).
    static func badRecordLayout() throws -> ObjectFileError? {
        var b = try annotatedObject()
        let s = try #require(b.findSection(named: ".parainstructions"))
        let size = b.sectionSize(s)
        try #require(size >= 32)
        b.write(b.sectionHeader(s) + 32, UInt64(size - 8))
        return error(b, "layout")
    }

    @Test func recordLayout() throws {
        let e = try #require(try Self.badRecordLayout())
        guard case .corruptSection(_, ".parainstructions", let reason) = e else { Issue.record("got \(e)"); return }
        #expect(reason.contains("fit no known record layout"))
    }

    /// A records section made NOBITS: no bytes to read records from.
    @Test func recordSectionWithoutBytes() throws {
        var b = try Self.annotatedObject()
        let s = try #require(b.findSection(named: ".parainstructions"))
        b.write(b.sectionHeader(s) + 4, UInt32(8))
        b.write(b.sectionHeader(s) + 32, UInt64(1) << 62)  // a NOBITS size is not bounded by the file
        let e = try #require(Self.error(b, "rec-nobits"))
        #expect(e.problem.contains("records section has no bytes in the file (NOBITS)"))
    }

    /// A record whose instruction pointer (its relocation's addend) points
    /// far past the end of `.text`: a warning naming the record; the other
    /// records still give sites.
    @Test func recordOutsideText() throws {
        let good = try Self.annotatedObject()
        let rela = try #require(good.findSection(named: ".rela.parainstructions"))
        var b = good
        b.write(b.sectionFileOffset(rela) + 16, Int64(0x7fff_0000))  // r_addend of the first record
        let path = Fixtures.scratchPath("rec-outside.o")
        try b.write(to: path)
        defer { unlink(path) }
        let scan = try MacroScan(file: ObjectFile(path: path), options: MacroOptions(sourcePositions: false))
        let original = try MacroScan(file: ObjectFile(bytes: good.bytes, name: "good"),
                                     options: MacroOptions(sourcePositions: false))
        let warning = try #require(scan.findings.first { $0.place == ".parainstructions[0]" })
        #expect(warning.message.contains("+0x7fff0000 outside"), "\(warning)")
        #expect(scan.sites.count == original.sites.count - 1)
        #expect(Self.error(b, "rec-outside") == nil)
    }

    static func relocationAgainstMissingSymbol() throws -> ObjectFileError? {
        var b = try plainObject()
        let rela = try #require(b.findSection(named: ".rela.text"))
        b.write(b.sectionFileOffset(rela) + 12, UInt32(0x00ff_ffff))  // r_info's symbol half
        return error(b, "rsym")
    }

    @Test func relocationSymbol() throws {
        let e = try #require(try Self.relocationAgainstMissingSymbol())
        guard case .symbolIndexOutOfRange(_, 0x00ff_ffff, let context) = e else { Issue.record("got \(e)"); return }
        #expect(context.hasPrefix(".rela.text[0]"))
    }

    static func hugeSize() throws -> ObjectFileError? {
        var b = try plainObject()
        let text = try #require(b.findSection(named: ".text"))
        b.write(b.sectionHeader(text) + 32, UInt64(1) << 60)
        return error(b, "size")
    }

    @Test func sectionSize() throws {
        let e = try #require(try Self.hugeSize())
        guard case .sectionLargerThanFile(_, ".text", 1 << 60, _) = e else { Issue.record("got \(e)"); return }
        #expect(e.problem.contains("more than the whole file"))
    }

    static func offsetPastEnd() throws -> ObjectFileError? {
        var b = try plainObject()
        let text = try #require(b.findSection(named: ".text"))
        b.write(b.sectionHeader(text) + 24, UInt64(b.bytes.count + 1))
        return error(b, "offset")
    }

    @Test func sectionOffset() throws {
        let e = try #require(try Self.offsetPastEnd())
        guard case .sectionOffsetPastEndOfFile(_, ".text", _, _) = e else { Issue.record("got \(e)"); return }
        #expect(e.problem.contains("past the end of the file"))
    }

    static func nobitsText() throws -> ObjectFileError? {
        var b = try plainObject()
        let text = try #require(b.findSection(named: ".text"))
        b.write(b.sectionHeader(text) + 4, UInt32(8))  // SHT_NOBITS
        b.write(b.sectionHeader(text) + 32, UInt64(1) << 62)
        return error(b, "nobits")
    }

    static func emptyText() throws -> ObjectFileError? {
        var b = try plainObject()
        let text = try #require(b.findSection(named: ".text"))
        b.write(b.sectionHeader(text) + 32, UInt64(0))
        return error(b, "empty")
    }

    @Test func codeWithoutBytes() throws {
        let nobits = try #require(try Self.nobitsText())
        guard case .codeWithoutBytes(_, ".text", true, ".rela.text", let n) = nobits, n > 0 else {
            Issue.record("got \(nobits)"); return
        }
        let empty = try #require(try Self.emptyText())
        guard case .codeWithoutBytes(_, ".text", false, ".rela.text", _) = empty else { Issue.record("got \(empty)"); return }
        #expect(nobits.problem != empty.problem)
    }

    /// `.rela.text` moved onto `.text`'s bytes.
    static func overlap() throws -> ObjectFileError? {
        var b = try plainObject()
        let text = try #require(b.findSection(named: ".text"))
        let rela = try #require(b.findSection(named: ".rela.text"))
        b.write(b.sectionHeader(rela) + 24, UInt64(b.sectionFileOffset(text)))
        return error(b, "overlap")
    }

    @Test func overlappingSections() throws {
        let e = try #require(try Self.overlap())
        guard case .overlappingSections(_, let first, let second, _, _) = e else { Issue.record("got \(e)"); return }
        #expect(Set([first, second]) == ["section .text", "section .rela.text"])
        // The ELF header counts as taken.
        var b = try Self.plainObject()
        let text = try #require(b.findSection(named: ".text"))
        b.write(b.sectionHeader(text) + 24, UInt64(8))
        let e2 = try #require(Self.error(b, "overlap-header"))
        guard case .overlappingSections("overlap-header", "the ELF header", "section .text", 8, _) = e2 else {
            Issue.record("got \(e2)"); return
        }
    }

    static func unterminatedStrings() throws -> ObjectFileError? {
        var b = try plainObject()
        let symtab = try #require(b.findSection(type: 2))
        let strtab = Int(b.read(b.sectionHeader(symtab) + 40, as: UInt32.self))
        b.bytes[b.sectionFileOffset(strtab) + b.sectionSize(strtab) - 1] = 0x41
        return error(b, "noterm")
    }

    @Test func stringTableWithoutTerminator() throws {
        let e = try #require(try Self.unterminatedStrings())
        guard case .corruptSection(_, ".strtab", "string table without terminator") = e else { Issue.record("got \(e)"); return }
    }

    static func symbolEntrySizeZero() throws -> ObjectFileError? {
        var b = try plainObject()
        let symtab = try #require(b.findSection(type: 2))
        b.write(b.sectionHeader(symtab) + 56, UInt64(0))
        return error(b, "entsize")
    }

    @Test func symbolTableEntrySize() throws {
        let e = try #require(try Self.symbolEntrySizeZero())
        guard case .corruptSection(_, ".symtab", let reason) = e else { Issue.record("got \(e)"); return }
        #expect(reason == "symbol table entry size 0, expected 24")
    }

    // MARK: Traps the fuzzer and the mutation test found, kept fixed

    /// A function symbol whose st_size overflows when added to its start
    /// (CodeReader.codeRange trapped on `start + size`).
    @Test func hugeFunctionSize() throws {
        var b = try Self.plainObject()
        let f = try #require(b.symbolEntry(named: "loop"))
        b.write(f + 16, UInt64.max - 8)
        #expect(Self.error(b, "fsize") == nil)
    }

    /// A defined table whose st_size does not fit in Int64 (OpsTable, before
    /// OpTable and TableMatcher, trapped converting it).
    @Test func hugeTableSize() throws {
        let image = try #require(CorpusFixture.build.find(CorpusFixture.configuration("kernel", "-O2"), .annotated)?.image)
        var b = try ELFBytes(path: image)
        let table = try #require(b.symbolEntry(named: "paravirt_ops"))
        b.write(table + 16, UInt64.max - 1)
        #expect(Self.error(b, "tsize") == nil)
    }

    /// Each class has its own message.
    @Test func messagesDiffer() throws {
        let problems = try Self.problems()
        #expect(problems.count == 9)
        #expect(Set(problems.values).count == problems.count, "\(problems)")
        for (name, p) in problems { #expect(!p.contains("\n"), "\(name)") }
    }
}
