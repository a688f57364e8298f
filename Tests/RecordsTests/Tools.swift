import Foundation
import TestSupport

/// What binutils says, parsed for the records tests: nothing here goes
/// through pvsites' own ELF reader or decoder.
enum Tools {
    /// The bytes `readelf -x SECTION` dumps (unrelocated, as stored).
    static func readelfHex(_ path: String, _ section: String) throws -> [UInt8] {
        let out = try Command.check(["readelf", "-x", section, path])
        var bytes: [UInt8] = []
        for line in out.split(separator: "\n") {
            // "  0x00000010 00000000 00000000 0e06ff01 00000000 ................"
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, fields[0].hasPrefix("0x") else { continue }
            for word in fields.dropFirst().prefix(4) where word.count % 2 == 0 && word.allSatisfy(\.isHexDigit) {
                var i = word.startIndex
                while i < word.endIndex {
                    let j = word.index(i, offsetBy: 2)
                    bytes.append(UInt8(word[i ..< j], radix: 16)!)
                    i = j
                }
            }
        }
        return bytes
    }

    /// One instruction of `objdump -d -w`: its bytes, its text and the
    /// function (symbol) objdump shows it under.
    struct ObjdumpInstruction {
        let bytes: [UInt8]
        let text: String
        let function: String
    }

    /// Instruction starts by section and address (an offset in an object,
    /// the virtual address in an image).
    static func objdump(_ path: String) throws -> [String: [UInt64: ObjdumpInstruction]] {
        let raw = try Command.check(["objdump", "-d", "-w", path])
        var out: [String: [UInt64: ObjdumpInstruction]] = [:]
        var section = "", function = ""
        for line in raw.split(separator: "\n") {
            if line.hasPrefix("Disassembly of section ") {
                section = String(line.dropFirst("Disassembly of section ".count).dropLast())
                continue
            }
            // "0000000000000007 <tail>:"
            if line.hasSuffix(">:"), let open = line.firstIndex(of: "<") {
                function = String(line[line.index(after: open) ..< line.index(line.endIndex, offsetBy: -2)])
                continue
            }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasSuffix(":"),
                  let address = UInt64(parts[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
            let bytes = parts[1].split(separator: " ").compactMap { UInt8($0, radix: 16) }
            guard !bytes.isEmpty else { continue }
            let text = parts.count > 2 ? parts[2...].joined(separator: " ").trimmingCharacters(in: .whitespaces) : ""
            out[section, default: [:]][address] = ObjdumpInstruction(bytes: bytes, text: text, function: function)
        }
        return out
    }
}
