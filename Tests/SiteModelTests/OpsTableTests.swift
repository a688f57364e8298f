import RelocSites
import ELF

import SiteModel
import TestSupport
import Testing

/// The matcher's quick test (`mayReference`) runs before any decoding and
/// drops most relocations of a linked image (a vmlinux's `.rela.text` names
/// tens of thousands of `.data` neighbours of the table). It must never drop
/// one that `fieldOffset` would keep, whatever instruction holds it.
@Suite("Ops table: relocation to field")
struct OpsTableTests {
    /// A table in `.data` between two neighbours, reached directly, through
    /// a neighbour plus an offset, and through the section symbol (a local
    /// label), in every relocation form.
    static let asm = """
        .data
        .globl before
    before: .quad 0
        .globl paravirt_ops
        .type paravirt_ops, @object
        .size paravirt_ops, 64
    paravirt_ops: .zero 64
    after: .quad 0
        .text
        .globl f
        .type f, @function
    f:
        call *paravirt_ops+8(%rip)
        movq before(%rip), %rax
        movq after(%rip), %rax
        movq after-56(%rip), %rax
        movq before+24(%rip), %rax
        movq before+72(%rip), %rax
        movq before+68(%rip), %rax
        movl $after, %eax
        movl $before+8, %eax
        movq $before+72, %rax
        cmpq $1, before+64(%rip)
        cmpl $0x12345678, before+68(%rip)
        movq before@GOTPCREL(%rip), %rax
        ret
        .size f, .-f
    """

    /// The files, and whether the quick test must drop something in them.
    static func files() throws -> [(ObjectFile, Bool)] {
        let object = try Fixtures.compile(asm, name: "matcher", flags: ["-g"], language: "assembler-with-cpp")
        let linked = try Fixtures.compile(asm, name: "matcher", flags: ["-g"], language: "assembler-with-cpp",
                                          link: ["-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs", "-Wl,-ef"])
        let ops = try Fixtures.compile(Snippets.opsTable + "\n" + Snippets.opsStubs, name: "ops-matcher",
                                       flags: ["-O2", "-g", "-fno-pic"],
                                       link: ["-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs"])
        return try [(object, true), (linked, true), (ops, false)].map { (try ObjectFile(path: $0.0), $0.1) }
    }

    @Test func quickTestNeverDropsATableReference() throws {
        for (file, dropsSome) in try Self.files() {
            let matcher = try #require(OpsTable(file: file, debugInfo: nil))
            var candidates = 0, dropped = 0
            for rs in file.relocationSections where rs.targetIndex != 0 {
                guard let target = file.findSection(index: rs.targetIndex), target.isExecutable else { continue }
                let filtered = try file.readRelocations(rs, against: matcher.candidates)
                // The filter keeps exactly the relocations naming a candidate.
                #expect(filtered == (try file.readRelocations(rs)).filter { matcher.candidates.contains($0.symbolIndex) })
                for r in filtered {
                    candidates += 1
                    if matcher.mayReference(r) { continue }
                    dropped += 1
                    // Instructions end 1 to 15 bytes after their relocation.
                    for end in r.offset + 1 ... r.offset + 15 {
                        #expect(matcher.fieldOffset(r, instructionEnd: end) == nil,
                                "\(file.path): \(r.type) at \(hex(r.offset)) dropped but lands in the table")
                    }
                }
            }
            #expect(candidates > 0)
            if dropsSome { #expect(dropped > 0, "\(file.path)") }
            let expected = try Self.readelfCandidates(file.path)
            #expect(candidates == expected.candidates, "\(file.path)")
            #expect(dropped == expected.dropped, "\(file.path)")
        }
    }

    /// From `readelf -sW` and `-rW`: the relocations in code that name the
    /// table or another symbol of its section (a section, object or
    /// untyped symbol), and of those, the ones that cannot land in the
    /// table whatever instruction holds them: a GOT relocation names a
    /// neighbour's GOT slot; a PC-relative field reaches symbol + addend
    /// plus 1 to 15 bytes (the rest of its instruction); an absolute one,
    /// symbol + addend.
    static func readelfCandidates(_ path: String) throws -> (candidates: Int, dropped: Int) {
        let symbols = try Readelf.symbols(path)
        let table = try #require(symbols.first { $0.name == "paravirt_ops" && $0.section != "UND" })
        let neighbours = Set(symbols.filter {
            $0.section == table.section && $0.name != table.name && ["SECTION", "OBJECT", "NOTYPE"].contains($0.type)
        }.map(\.name))
        let readelf = try #require(try Readelf.read([path], all: true)[path])
        var candidates = 0, dropped = 0
        for r in readelf.relocations where readelf.section(index: r.target)?.isExecutable == true {
            guard r.symbol == table.name || neighbours.contains(r.symbol) else { continue }
            candidates += 1
            guard r.symbol != table.name else { continue }
            let base = Int64(bitPattern: r.symbolValue &- table.value) &+ r.addend
            let size = Int64(table.size)
            let reach: ClosedRange<Int64>?
            switch r.type {
            case "R_X86_64_GOTPCREL", "R_X86_64_GOTPCRELX", "R_X86_64_REX_GOTPCRELX": reach = nil
            case "R_X86_64_PC32", "R_X86_64_PLT32", "R_X86_64_PC64": reach = base + 1 ... base + 15
            default: reach = base ... base
            }
            if let reach, reach.upperBound >= 0, reach.lowerBound < size { continue }
            dropped += 1
        }
        return (candidates, dropped)
    }

    /// What the scan makes of the forms above: the references that land in
    /// the table, and only those.
    @Test func referencesThroughNeighbours() throws {
        let path = try Fixtures.compile(Self.asm, name: "matcher", flags: ["-g"], language: "assembler-with-cpp")
        let scan = try RelocScan(file: try ObjectFile(path: path),
                                 options: RelocOptions(policy: .decoded, sourcePositions: false))
        let fields = scan.references.map { "\($0.use.rawValue) \($0.op.map { String($0.offset) } ?? "-")" }
        #expect(fields == ["call-mem 8", "load 8", "load 16", "load 60", "address 0", "compare 56", "compare 60"])
    }
}
