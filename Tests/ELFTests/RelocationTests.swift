import Foundation
import ELF
import TestSupport
import Testing

/// One relocation as `readelf -rW` prints it.
struct ReadelfRelocation: Equatable, CustomStringConvertible {
    let section: String
    let offset: UInt64
    let type: String
    let symbol: Int
    let addend: Int64
    var description: String { "\(section)@\(hex(offset)) \(type) sym \(symbol) \(addend)" }
}

/// Parse `readelf -rW`: a header per relocation section, then
/// `offset info type value name + addend` per entry.
func readelfRelocations(_ path: String) throws -> [ReadelfRelocation] {
    let out = try Command.check(["readelf", "-rW", path])
    var section = ""
    var result: [ReadelfRelocation] = []
    for line in out.split(separator: "\n") {
        if line.hasPrefix("Relocation section '") {
            section = String(line.split(separator: "'")[1])
            continue
        }
        let f = line.split(separator: " ", omittingEmptySubsequences: true)
        guard f.count >= 3, let offset = UInt64(f[0], radix: 16), let info = UInt64(f[1], radix: 16),
              f[2].hasPrefix("R_X86_64") else { continue }
        var addend: Int64 = 0
        if f.count >= 2, let sign = f.dropLast().last, sign == "+" || sign == "-",
           let v = UInt64(f.last!, radix: 16) {
            addend = sign == "+" ? Int64(bitPattern: v) : -Int64(bitPattern: v)
        }
        result.append(ReadelfRelocation(section: section, offset: offset, type: String(f[2]),
                                        symbol: Int(info >> 32), addend: addend))
    }
    return result
}

func ourRelocations(_ file: ObjectFile) throws -> [ReadelfRelocation] {
    try file.relocationSections.flatMap { rs in
        try file.readRelocations(rs).map {
            ReadelfRelocation(section: rs.section.name, offset: $0.rawOffset, type: $0.type.description,
                              symbol: $0.symbolIndex, addend: $0.addend)
        }
    }
}

@Suite("Relocations equal readelf -rW")
struct RelocationTests {
    @Test(arguments: ["-O0", "-O2", "-Os"])
    func relocatableObject(opt: String) throws {
        let path = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: [opt, "-g"])
        let file = try ObjectFile(path: path)
        #expect(file.fileType == .relocatable)
        #expect(file.kindDescription == "relocatable")
        let expected = try readelfRelocations(path)
        #expect(expected.count > 10)
        #expect(try ourRelocations(file) == expected)
    }

    @Test func kernelCodeModel() throws {
        // -mcmodel=kernel gives R_X86_64_32S; -fPIC gives GOTPCREL(X).
        for flags in [["-O2", "-mcmodel=kernel", "-fno-pic"], ["-O2", "-fPIC"]] {
            let path = try Fixtures.compile(Snippets.opsTable, name: "ops-model", flags: flags + ["-g"])
            let file = try ObjectFile(path: path)
            #expect(try ourRelocations(file) == (try readelfRelocations(path)))
        }
    }

    @Test func emitRelocsExecutable() throws {
        let path = try Fixtures.compile(Snippets.opsTable + "\n" + Snippets.opsStubs,
                                        name: "ops-exe", flags: ["-O2", "-g", "-fno-pic"],
                                        link: ["-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs"])
        let file = try ObjectFile(path: path)
        #expect(file.fileType == .executable)
        #expect(file.kindDescription == "linked with relocations")
        let ours = try ourRelocations(file)
        #expect(ours == (try readelfRelocations(path)))
        // r_offset is a virtual address; `offset` is relative to the target section.
        let text = try #require(file.findSection(named: ".text"))
        let rs = try #require(file.relocationSections(for: text.index).first)
        for r in try file.readRelocations(rs) {
            #expect(r.rawOffset == text.address + r.offset)
        }
    }

    @Test func functionNames() throws {
        let path = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
        let file = try ObjectFile(path: path)
        let text = try #require(file.findSection(named: ".text"))
        let sym = try #require(file.findSymbols(named: "flags").first)
        let start = try #require(file.sectionOffset(of: sym))
        #expect(file.describe(section: text.index, offset: start + 3) == "flags+0x3")
        let debug = try #require(file.findSection(named: ".debug_info"))
        #expect(file.describe(section: debug.index, offset: 0x1a) == ".debug_info+0x1a")
    }
}
