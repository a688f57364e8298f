import Compare
import CorpusBuild
import ELF
import Foundation
import Pipeline
import RelocSites
import SiteModel
import TestSupport
import Testing

/// The naive policy guesses a 6-byte `ff 15` call two bytes before every
/// relocation against the table. Each guess is checked here against an
/// independent decode: `objdump -d` of the plain object, whose instruction
/// starts and bytes say whether the guess starts an instruction and whether
/// that instruction is a 6-byte call or jmp through memory.
@Suite("Misplaced guesses, against objdump")
struct MisplacedTests {
    /// Instruction starts and their bytes, per section, from `objdump -d`.
    static func objdumpInstructions(_ path: String) throws -> [String: [UInt64: [UInt8]]] {
        let raw = try Command.check(["objdump", "-d", "-w", path])
        var out: [String: [UInt64: [UInt8]]] = [:]
        var section = ""
        for line in raw.split(separator: "\n") {
            if line.hasPrefix("Disassembly of section ") {
                section = String(line.dropFirst("Disassembly of section ".count).dropLast())
                continue
            }
            // "  1a:\t48 8b 05 00 00 00 00 \tmov ..."
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasSuffix(":"),
                  let offset = UInt64(parts[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
            let bytes = parts[1].split(separator: " ").compactMap { UInt8($0, radix: 16) }
            guard !bytes.isEmpty else { continue }
            out[section, default: [:]][offset] = bytes
        }
        return out
    }

    /// `ff 15`/`ff 25` (+ optional notrack 3e) with a disp32: 6 bytes (7 with the prefix).
    static func isSixByteIndirectBranch(_ bytes: [UInt8]) -> Bool {
        bytes.count == 6 && bytes[0] == 0xff && (bytes[1] == 0x15 || bytes[1] == 0x25)
    }

    @Test(arguments: CorpusFixture.configurations)
    func naiveGuessesAgainstObjdump(_ cfg: BuildConfiguration) throws {
        let a = try #require(CorpusFixture.build.find(cfg, .annotated))
        let p = try #require(CorpusFixture.build.find(cfg, .plain))
        let plainBySource = Dictionary(uniqueKeysWithValues: p.objects.map { ($0.source, $0.path) })
        var annotated = 0, found = 0, misplaced = 0, missed = 0
        for o in a.objects {
            guard let plainPath = plainBySource[o.source] else { continue }
            let plain = try ObjectFile(path: plainPath)
            let analysis = try Analysis(annotated: try ObjectFile(path: o.path), plain: plain, policies: [.naive])
            let c = try #require(analysis.comparisons[.naive])
            annotated += c.counts.annotated
            found += c.counts.found
            misplaced += c.counts.misplaced
            missed += c.counts.missed
            let insns = try Self.objdumpInstructions(plainPath)
            for outcome in c.outcomes {
                guard let guess = outcome.found else { continue }
                let bytes = insns[guess.section]?[guess.offset]
                let expected: Misplacement? = bytes == nil ? .midInstruction
                    : Self.isSixByteIndirectBranch(bytes!) ? nil : .nonCallInstruction
                #expect(outcome.misplacement == expected, "\(cfg) \(o.source) \(guess.location)")
                #expect((outcome.kind == .misplaced) == (outcome.annotated != nil && expected != nil),
                        "\(cfg) \(o.source) \(guess.location)")
            }
        }
        #expect(misplaced + found + missed == annotated, "\(cfg)")
    }
}
