import MacroSites
import ELF
import Testing

/// Each format's `fit` on hand-built record sections, and detection's order.
@Suite("Record format detection")
struct FormatDetectionTests {
    /// A records section of `size` zero bytes but `set`, with a PC32
    /// relocation at each of `relocations`.
    static func section(_ name: String, size: Int, set: [Int: UInt8] = [:], relocations: [UInt64] = []) -> RecordSection {
        var bytes = [UInt8](repeating: 0, count: size)
        for (at, value) in set { bytes[at] = value }
        let relocs = relocations.enumerated().map { i, at in
            Relocation(index: i, rawOffset: at, offset: at, type: .pc32, symbolIndex: 1, addend: 0)
        }
        return RecordSection(path: "t.o", name: name, size: UInt64(size), bytes: bytes, relocations: RelocationIndex(relocs))
    }

    /// Relocations at 0 and 4 of each of `count` records of `stride` bytes.
    static func pointerPairs(_ count: Int, stride: UInt64) -> [UInt64] {
        (0 ..< UInt64(count)).flatMap { [$0 * stride, $0 * stride + 4] }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let section: RecordSection
        /// The formats whose `fit` accepts the section, in detection order.
        let fitting: [String]
        let reason: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "clobbers", section: section(".parainstructions", size: 32, set: [8: 2, 9: 6, 24: 3, 25: 6, 26: 1]),
             fitting: ["clobbers"], reason: "1 of 2 records have a clobbers field (bytes 10-11 non-zero)"),
        Case(label: "6.1: clobber bytes zero", section: section(".parainstructions", size: 32, set: [8: 2, 9: 6, 24: 3, 25: 6]),
             fitting: ["linux-6.1"], reason: "bytes 10-11 are zero in all 2 records: no clobbers field"),
        // 2.6.25 to 6.0: the last record lacks its padding, and is not looked
        // at. 28 = 2 x 14 too: the order decides.
        Case(label: "short last record", section: section(".parainstructions", size: 28, set: [11: 1]),
             fitting: ["clobbers", "linux-6.8"], reason: "1 of 1 record has a clobbers field (bytes 10-11 non-zero)"),
        Case(label: "14-byte alt_instr, relocations",
             section: section(".altinstructions", size: 42, relocations: pointerPairs(3, stride: 14)),
             fitting: ["linux-6.8"],
             reason: "relocations at 0 and 4 of every 14 bytes: Linux 6.8+ alt_instr, paravirt sites flagged ALT_FLAG_DIRECT_CALL"),
        Case(label: "12-byte alt_instr, relocations",
             section: section(".altinstructions", size: 36, relocations: pointerPairs(3, stride: 12)),
             fitting: ["alt_instr-before-6.8"],
             reason: "relocations at 0 and 4 of every 12 bytes: pre-6.8 alt_instr, which holds no paravirt sites"),
        Case(label: "14-byte alt_instr, size", section: section(".altinstructions", size: 42),
             fitting: ["linux-6.8"], reason: "42 bytes: a whole number of 14-byte alt_instr records only"),
        Case(label: "12-byte alt_instr, size", section: section(".altinstructions", size: 36),
             fitting: ["alt_instr-before-6.8"], reason: "36 bytes: 12-byte pre-6.8 alt_instr records, no paravirt sites"),
        // The 16-byte formats never take .altinstructions, whatever its size.
        Case(label: ".altinstructions of 16-byte size", section: section(".altinstructions", size: 48),
             fitting: ["alt_instr-before-6.8"], reason: "48 bytes: 12-byte pre-6.8 alt_instr records, no paravirt sites"),
        // Nor a .parainstructions that 16 does not divide.
        Case(label: ".parainstructions of 14-byte size", section: section(".parainstructions", size: 42),
             fitting: ["linux-6.8"], reason: "42 bytes: a whole number of 14-byte alt_instr records only"),
        // 112 = 7 x 16 = 8 x 14: the order decides.
        Case(label: "16 and 14 both divide", section: section(".parainstructions", size: 112),
             fitting: ["linux-6.1", "linux-6.8"], reason: "bytes 10-11 are zero in all 7 records: no clobbers field"),
    ]

    @Test(arguments: cases)
    func fits(_ c: Case) throws {
        #expect(FormatDetection.order.filter { $0.fit(c.section) != nil }.map(\.name) == c.fitting)
        let (format, reason) = try FormatDetection.detect(c.section)
        #expect(format.name == c.fitting.first)
        #expect(reason == c.reason)
    }

    /// The pre-6.8 format has no layout: nothing to read.
    @Test func alternativesBefore68HaveNoLayout() throws {
        let (format, _) = try FormatDetection.detect(Self.section(".altinstructions", size: 36))
        #expect(format.layout == nil)
        #expect(try FormatDetection.detect(Self.section(".altinstructions", size: 42)).format.layout?.stride == 14)
    }

    @Test(arguments: [
        section(".parainstructions", size: 40),  // 16, 14 and 12 all leave a remainder
        section(".altinstructions", size: 84),  // 14 and 12 both divide: size cannot tell
        section(".altinstructions", size: 0),
        // Relocations that fit neither stride: the size is not consulted.
        section(".altinstructions", size: 42, relocations: Array(pointerPairs(3, stride: 14).dropLast())),
        section(".altinstructions", size: 36, relocations: [0, 4, 8, 12, 16, 20]),
    ])
    func fitsNone(_ section: RecordSection) {
        #expect(FormatDetection.order.allSatisfy { $0.fit(section) == nil })
        #expect(throws: ObjectFileError.corruptSection(
            path: "t.o", section: section.name,
            reason: "size \(section.size) and relocations fit no known record layout; give --layout")) {
            try FormatDetection.detect(section)
        }
    }

    @Test func order() {
        #expect(FormatDetection.order.map(\.name) == ["clobbers", "linux-6.1", "linux-6.8", "alt_instr-before-6.8"])
    }

    /// `--layout` names and SPECs: a command-line contract.
    @Test func layoutNames() throws {
        #expect(RecordFormats.presets.map(\.name) == ["clobbers", "linux-6.1", "linux-6.8"])
        for name in ["clobbers", "linux-6.1", "linux-6.8"] {
            #expect(try RecordFormats.parse(name).name == name)
        }
        let spec = "size=16,instr=8:8,type=0:1,len=1:1"
        let custom = try RecordFormats.parse(spec)
        #expect(custom.name == "custom(\(spec))")
        #expect(custom.defaultSection == ".parainstructions")
        #expect(throws: LayoutError.badSpec("alt_instr-before-6.8", "'alt_instr-before-6.8' is not KEY=VALUE")) {
            try RecordFormats.parse("alt_instr-before-6.8")
        }
    }

    /// A custom layout fits any whole number of its records; detection
    /// never tries it.
    @Test func customFits() throws {
        let custom = try CustomFormat(spec: "size=24,instr=0:4,len=4:1,rel")
        #expect(custom.fit(Self.section(".mysites", size: 48)) == "48 bytes: a whole number of 24-byte records")
        #expect(custom.fit(Self.section(".mysites", size: 40)) == nil)
        #expect(custom.layout?.pointer == .relative32)
    }
}
