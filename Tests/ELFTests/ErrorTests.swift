import Foundation
import ELF
import TestSupport
import Testing

/// Every error class is produced by a crafted file, made from a real object.
@Suite("Bad input gives typed errors")
struct ErrorTests {
    static func realObject() throws -> String {
        try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
    }

    /// Open crafted bytes written to a file; return the error thrown.
    static func openError(_ bytes: [UInt8], _ name: String) throws -> ObjectFileError? {
        let path = Fixtures.scratchPath(name)
        try ELFBytes(bytes: bytes).write(to: path)
        defer { unlink(path) }
        do {
            let f = try ObjectFile(path: path)
            for rs in f.relocationSections { _ = try f.readRelocations(rs) }
            try f.requireSymbolTable()
            return nil
        } catch let e as ObjectFileError {
            #expect(e.description.hasPrefix(path + ": "))
            #expect(!e.description.contains("\n"))
            return e
        }
    }

    @Test func missingAndUnreadable() throws {
        #expect(throws: ObjectFileError.missing(path: "/nonexistent/x.o")) { try ObjectFile(path: "/nonexistent/x.o") }
        #expect(throws: ObjectFileError.unreadable(path: "/tmp", reason: "is a directory")) { try ObjectFile(path: "/tmp") }
    }

    @Test func notELF() throws {
        let e = try Self.openError(Array("#!/bin/sh\necho hello\n".utf8), "script")
        #expect(e == .notELF(path: Fixtures.scratchPath("script")))
        #expect(try Self.openError([], "empty") == .notELF(path: Fixtures.scratchPath("empty")))
    }

    @Test func headerFields() throws {
        let good = try ELFBytes(path: Self.realObject())
        var b = good; b.bytes[4] = 1
        #expect(try Self.openError(b.bytes, "elf32") == .not64Bit(path: Fixtures.scratchPath("elf32")))
        b = good; b.bytes[5] = 2
        #expect(try Self.openError(b.bytes, "be") == .notLittleEndian(path: Fixtures.scratchPath("be")))
        b = good; b.write(18, UInt16(183))
        #expect(try Self.openError(b.bytes, "arm") == .notX86_64(path: Fixtures.scratchPath("arm"), machine: 183))
    }

    /// Truncation anywhere gives an error, never a trap, and never success.
    @Test(arguments: [8, 40, 63, 64, 200, 1000, -64, -1])
    func truncated(at cut: Int) throws {
        let good = try ELFBytes(path: Self.realObject()).bytes
        let n = cut >= 0 ? cut : good.count + cut
        let e = try Self.openError(Array(good.prefix(n)), "trunc\(n)")
        let error = try #require(e)
        switch error {
        case .truncated, .sectionBeyondEndOfFile, .sectionOffsetPastEndOfFile, .sectionLargerThanFile, .notELF: break
        default: Issue.record("unexpected \(error)")
        }
    }

    @Test func sectionHeaderTablePastEnd() throws {
        var b = try ELFBytes(path: Self.realObject())
        b.write(40, UInt64(b.bytes.count + 4096))
        guard case .truncated = try #require(try Self.openError(b.bytes, "shoff")) else {
            Issue.record("expected truncated"); return
        }
    }

    @Test func sectionIndexOutOfRange() throws {
        var b = try ELFBytes(path: Self.realObject())
        b.write(62, UInt16(999))
        let e = try #require(try Self.openError(b.bytes, "shstrndx"))
        #expect(e.problem.contains("999"))
        // A symbol in a section that does not exist.
        b = try ELFBytes(path: Self.realObject())
        let symtab = try #require(b.findSection(type: 2))
        b.write(b.sectionFileOffset(symtab) + 24 + 6, UInt16(700))
        let e2 = try #require(try Self.openError(b.bytes, "symshndx"))
        guard case .sectionIndexOutOfRange(_, 700, _) = e2 else { Issue.record("got \(e2)"); return }
    }

    @Test func sectionBytesBeyondEnd() throws {
        var b = try ELFBytes(path: Self.realObject())
        let text = try #require(b.findSection(named: ".text"))
        b.write(b.sectionHeader(text) + 24, UInt64(1 << 40))
        guard case .sectionOffsetPastEndOfFile(_, ".text", 1 << 40, _) = try #require(try Self.openError(b.bytes, "off")) else {
            Issue.record("expected offset past end"); return
        }
        b = try ELFBytes(path: Self.realObject())
        b.write(b.sectionHeader(text) + 32, UInt64.max - 8)  // huge sh_size, overflows
        guard case .sectionLargerThanFile = try #require(try Self.openError(b.bytes, "size")) else {
            Issue.record("expected larger than the file"); return
        }
        // Inside the file, but running past its end.
        b = try ELFBytes(path: Self.realObject())
        b.write(b.sectionHeader(text) + 24, UInt64(b.bytes.count - 2))
        b.write(b.sectionHeader(text) + 32, UInt64(16))
        guard case .sectionBeyondEndOfFile(_, ".text", _, _) = try #require(try Self.openError(b.bytes, "end")) else {
            Issue.record("expected beyond end"); return
        }
    }

    @Test func relocationFields() throws {
        let good = try ELFBytes(path: Self.realObject())
        let rela = try #require(good.findSection(named: ".rela.text"))
        let entry = good.sectionFileOffset(rela)
        var b = good
        b.write(entry + 12, UInt32(99999))  // r_info's symbol half
        guard case .symbolIndexOutOfRange(_, 99999, let ctx) = try #require(try Self.openError(b.bytes, "rsym")) else {
            Issue.record("expected symbol index"); return
        }
        #expect(ctx.hasPrefix(".rela.text[0]"))
        b = good
        b.write(entry, UInt64(0x7fff_ffff))  // r_offset
        guard case .relocationIndexOutOfRange(_, 0, _) = try #require(try Self.openError(b.bytes, "roff")) else {
            Issue.record("expected relocation out of range"); return
        }
        b = good
        b.write(b.sectionHeader(rela) + 44, UInt32(500))  // sh_info
        guard case .sectionIndexOutOfRange(_, 500, _) = try #require(try Self.openError(b.bytes, "info")) else {
            Issue.record("expected section index"); return
        }
    }

    @Test func symbolTableProblems() throws {
        let good = try ELFBytes(path: Self.realObject())
        let symtab = try #require(good.findSection(type: 2))
        var b = good
        b.write(b.sectionHeader(symtab) + 56, UInt64(0))  // sh_entsize 0
        let e = try #require(try Self.openError(b.bytes, "entsize"))
        #expect(e.problem.contains("entry size 0"))
        b = good
        b.write(b.sectionHeader(symtab) + 4, UInt32(1))  // no longer SYMTAB
        #expect(try Self.openError(b.bytes, "nosym") == .noSymbolTable(path: Fixtures.scratchPath("nosym")))
        b = good
        let strtab = Int(good.read(good.sectionHeader(symtab) + 40, as: UInt32.self))
        let end = good.sectionFileOffset(strtab) + good.sectionSize(strtab) - 1
        b.bytes[end] = 0x41  // string table without terminator
        let e3 = try #require(try Self.openError(b.bytes, "noterm"))
        #expect(e3.problem.contains("without terminator"))
    }
}
