import ELF
import Foundation
@testable import Kernel
import TestSupport
import Testing

/// The names 6.8+ boot records give their sites: against a global symbol
/// of the `ld -r` object's section that holds them, the distance taken in
/// the image linked from it. Checked on a small object pair linked the
/// kernel's way (`ld -r`, then a final link that moves `.text`), with nm's
/// addresses, not pvsites' reader, as the truth.
@Suite("Record anchors")
struct RecordAnchorsTests {
    static let source = """
    static int __attribute__((noinline)) hidden(int x) { return x * 3 + 1; }
    int first(int x) { return hidden(x) + 2; }
    int __attribute__((section(".text.other"))) elsewhere(int x) { return x - 7; }
    int __pfx_padding_like(int x) { return x; }
    """

    /// `nm` of a file: name -> address.
    static func nm(_ path: String) throws -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in try Command.check(["nm", path]).split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 3, let v = UInt64(f[0], radix: 16) { out[String(f[2])] = v }
        }
        return out
    }

    @Test func aStaticFunctionIsNamedFromAGlobalOfItsSection() throws {
        let object = try Fixtures.compile(Self.source, name: "anchors", flags: ["-O2", "-fno-inline"])
        let combined = Fixtures.scratchPath("anchors-r.o"), image = Fixtures.scratchPath("anchors.elf")
        defer { unlink(combined); unlink(image) }
        try Command.check(["ld", "-r", object, "-o", combined])
        // The final link puts .text.other first, so .text moves.
        try Command.check(["ld", "-e", "first", "--section-start=.text.other=0x401000", "-Ttext=0x402000", combined, "-o", image])
        let anchors = RecordAnchors(object: try ObjectFile(path: combined), image: try ObjectFile(path: image))
        let at = try Self.nm(image)
        let hidden = try #require(at["hidden"]), first = try #require(at["first"]), elsewhere = try #require(at["elsewhere"])
        // hidden is local: named from first (.text's global), the distance the image's.
        #expect(anchors.name(hidden + 4) == (hidden + 4 >= first ? "first + 0x" + String(hidden + 4 - first, radix: 16)
                                                              : "first - 0x" + String(first - hidden - 4, radix: 16)))
        #expect(anchors.anchor(for: elsewhere + 1)?.symbol == "elsewhere")
        // objtool's __pfx_ symbols are never an anchor.
        #expect(anchors.anchor(for: try #require(at["__pfx_padding_like"]))?.symbol != "__pfx_padding_like")
        // An address in no section of the object has none.
        #expect(anchors.anchor(for: 0x10) == nil)
    }
}
