import Concurrency
import X86
import Foundation
import ELF
import TestSupport
import Testing

/// The shortcuts a scan takes for speed give the answers of the slow,
/// obvious paths: symbols read in place against the full symbol array,
/// filtered relocation reads against full reads, prefix sweeps against
/// fresh readers, the worker pool against a serial map.
@Suite("Fast paths equal the plain ones")
struct FastPathTests {
    static func fixtures() throws -> [String] {
        [
            try Fixtures.compile(Snippets.opsTable, name: "ops-fast", flags: ["-O2", "-g"]),
            try Fixtures.compile(Snippets.opsTable, name: "ops-fast-pic", flags: ["-O2", "-g", "-fPIC"]),
            try Fixtures.compile(Snippets.opsTable + "\n" + Snippets.opsStubs, name: "ops-fast-exe",
                                 flags: ["-O2", "-g", "-fno-pic"],
                                 link: ["-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs"]),
        ]
    }

    @Test func symbolsInPlace() throws {
        for path in try Self.fixtures() {
            let file = try ObjectFile(path: path)
            let all = file.symbols
            #expect(file.symbolCount == all.count)
            #expect(all.count > 10)
            // Entry by entry what readelf lists (it names section symbols
            // after their section; their own name is empty).
            let listed = try Readelf.symbols(path)
            #expect(all.count == listed.count)
            for (s, r) in zip(all, listed) where r.type != "SECTION" {
                #expect(s.index == r.index && s.name == r.name && s.value == r.value && s.size == r.size, "\(r)")
            }
            for name in Set(all.map(\.name)) where !name.isEmpty {
                #expect(file.findSymbolIndices(named: name) == all.filter { $0.name == name }.map(\.index), "\(name)")
                // Twice: the second answer comes from the cache.
                #expect(file.findSymbolIndices(named: name) == all.filter { $0.name == name }.map(\.index))
            }
            #expect(file.findSymbolIndices(named: "no_such_symbol").isEmpty)
            #expect(file.findSymbolIndices(named: "").isEmpty)
            #expect(file.findSymbolIndices(withPrefix: "paravirt") == all.filter { $0.name.hasPrefix("paravirt") }.map(\.index))
            for s in all {
                #expect(file.findSymbol(index: s.index) == s)
                #expect(file.symbolName(index: s.index) == s.name)
                let e = try #require(file.findSymbolEntry(index: s.index))
                #expect(e.value == s.value && e.size == s.size && e.type == s.type && e.binding == s.binding
                        && e.sectionIndex == s.sectionIndex && e.hasEmptyName == s.name.isEmpty)
            }
            var visited = 0
            file.forEachSymbolEntry { e in
                #expect(e.index == visited)
                visited += 1
            }
            #expect(visited == all.count)
            #expect(file.findSymbol(index: all.count) == nil)
            #expect(file.findSymbolEntry(index: -1) == nil)
        }
    }

    @Test func filteredRelocations() throws {
        for path in try Self.fixtures() {
            let file = try ObjectFile(path: path)
            let wanted = SymbolSet(file.findSymbolIndices(named: "paravirt_ops"), capacity: file.symbolCount)
            #expect(!wanted.isEmpty)
            var kept = 0
            for rs in file.relocationSections {
                let full = try file.readRelocations(rs)
                let filtered = try file.readRelocations(rs, against: wanted)
                #expect(filtered == full.filter { wanted.contains($0.symbolIndex) })
                kept += filtered.count
                // Read in pieces, the entries are the same ones.
                let everything = SymbolSet(0 ..< file.symbolCount, capacity: file.symbolCount)
                let pieces = try WorkerPool.ranges(count: rs.count, pieces: 3).flatMap {
                    try file.readRelocations(rs, against: everything, entries: $0)
                }
                #expect(pieces == full)
            }
            #expect(kept > 5)
            // Exactly the relocations readelf lists against the table.
            #expect(kept == (try Readelf.read([path], all: true)[path]?.relocations.filter { $0.symbol == "paravirt_ops" }.count))
        }
    }

    /// A filtered read validates every entry: a bad one it would not keep
    /// still fails the read, with the error a full read gives.
    @Test func filteredReadFailsLikeFullRead() throws {
        let path = try Fixtures.compile(Snippets.opsTable, name: "ops-fast", flags: ["-O2", "-g"])
        let original = try ObjectFile(path: path)
        let rs = try #require(original.relocationSections.first { $0.section.name == ".rela.text" })
        let victim = try #require(try original.readRelocations(rs).firstIndex {
            original.symbolName(index: $0.symbolIndex) != "paravirt_ops"
        })
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        // r_info's symbol half of entry `victim`: far past the symbol table.
        let at = Int(rs.section.fileOffset) + victim * 24 + 12
        for k in 0 ..< 4 { bytes[at + k] = 0x7f }
        let file = try ObjectFile(bytes: bytes, name: "bad-sym.o")
        let wanted = SymbolSet(file.findSymbolIndices(named: "paravirt_ops"), capacity: file.symbolCount)
        let bad = try #require(file.relocationSections.first { $0.section.name == ".rela.text" })
        var fullError: ObjectFileError?
        var filteredError: ObjectFileError?
        do { _ = try file.readRelocations(bad) } catch let e as ObjectFileError { fullError = e }
        do { _ = try file.readRelocations(bad, against: wanted) } catch let e as ObjectFileError { filteredError = e }
        #expect(fullError != nil)
        #expect(filteredError == fullError)
    }

    /// Anchored decodes do not depend on the order relocations come in, or
    /// on what a reader decoded before (its sweeps are cached per function
    /// and continued on demand): forward, backward and one fresh reader per
    /// relocation agree, also around data in text and a symbol whose size
    /// ends inside an instruction.
    @Test func anchoredDecodeIgnoresOrder() throws {
        let asm = """
            .text
            .globl f
            .type f, @function
        f:
            call *paravirt_ops+8(%rip)
            jmp 1f
            .byte 0x48, 0x8b, 0x0f, 0xff
        1:  call *paravirt_ops+16(%rip)
            movq paravirt_ops+24(%rip), %rax
            call *%rax
            cmpq $0, paravirt_ops+32(%rip)
            jmp *paravirt_ops+40(%rip)
            .size f, .-f-3
            .globl g
            .type g, @function
        g:
            movq $paravirt_ops, %rax
            call *48(%rax)
            ret
            .size g, .-g
        """
        var paths = try Self.fixtures()
        paths.append(try Fixtures.compile(asm, name: "fast-order", flags: ["-g"], language: "assembler-with-cpp"))
        for path in paths {
            let file = try ObjectFile(path: path)
            var work: [(Section, Relocation)] = []
            for rs in file.relocationSections where rs.targetIndex != 0 {
                guard let target = file.findSection(index: rs.targetIndex), target.isExecutable else { continue }
                for r in try file.readRelocations(rs) { work.append((target, r)) }
            }
            #expect(work.count >= 6)
            // Exactly the relocations readelf lists for executable sections.
            let readelf = try #require(try Readelf.read([path], all: true)[path])
            #expect(work.count == readelf.relocations.filter { readelf.section(index: $0.target)?.isExecutable == true }.count)
            func key(_ a: AnchoredInstruction?) -> String {
                guard let a else { return "nil" }
                return "\(a.offset) \(a.instruction.length) \(a.field) \(a.confirmedBySweep) \(a.instruction.text)"
            }
            let forwardReader = CodeReader(file: file)
            let forward = work.map { key(forwardReader.instruction(at: $0.1, in: $0.0)) }
            let backwardReader = CodeReader(file: file)
            let backward = Array(work.reversed().map { key(backwardReader.instruction(at: $0.1, in: $0.0)) }.reversed())
            let fresh = work.map { key(CodeReader(file: file).instruction(at: $0.1, in: $0.0)) }
            #expect(forward == fresh, "\(path)")
            #expect(backward == fresh, "\(path)")
            // A confirmed start is one of the starts of the whole sweep.
            for (section, r) in work {
                let reader = CodeReader(file: file)
                if let a = reader.instruction(at: r, in: section), a.confirmedBySweep {
                    #expect(reader.instructionStarts(section: section, offset: r.offset).contains(Int(a.offset)))
                }
            }
        }
    }

    @Test func workerPoolKeepsOrder() {
        let items = Array(0 ..< 1000)
        #expect(WorkerPool.map(items) { $0 * 3 } == items.map { $0 * 3 })
        // Nested: the inner maps run on whatever helpers are free, serially
        // when none is; the results are the same.
        let nested = WorkerPool.map(Array(0 ..< 16)) { i in
            WorkerPool.map(Array(0 ..< 50)) { i * 100 + $0 }.reduce(0, +)
        }
        #expect(nested == (0 ..< 16).map { i in (0 ..< 50).reduce(0) { $0 + i * 100 + $1 } })
        #expect(WorkerPool.map([Int]()) { $0 }.isEmpty)
    }

    /// The pool is as wide as the CPUs this process may use: `nproc`
    /// (coreutils, which honours the affinity mask, as `taskset` sets it),
    /// unless PVSITES_JOBS says otherwise.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PVSITES_JOBS"] == nil
                       && ProcessInfo.processInfo.environment["OMP_NUM_THREADS"] == nil,
                   "PVSITES_JOBS (or OMP_NUM_THREADS, which nproc honours) is set"))
    func coresAreTheCPUsThisProcessMayUse() throws {
        let nproc = try Command.check(["nproc"]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(WorkerPool.cores == Int(nproc))
    }

    @Test func ranges() {
        for count in [0, 1, 2, 7, 100] {
            for pieces in [1, 2, 3, 8, 200] {
                let r = WorkerPool.ranges(count: count, pieces: pieces)
                #expect(r.flatMap { Array($0) } == Array(0 ..< count))
                #expect(r.allSatisfy { !$0.isEmpty })
                #expect(r.count <= max(pieces, 0))
            }
        }
    }
}
