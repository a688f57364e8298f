import CorpusBuild
import ELF
import Foundation
import Gate
import Kernel
import MacroSites
import Records
import SiteModel
import TestSupport
import Testing

/// docs/messages.md and the tool in step, as CausesDocTests keeps
/// docs/causes.md: every code of every catalogued error type has its entry
/// (a `### \`code\`` heading), every entry is a code the tool has, and the
/// message line under each heading, its UPPERCASE words read as
/// placeholders, matches what the tool prints for that code.
@Suite("docs/messages.md")
struct MessageCatalogueTests {
    static let page = Fixtures.repositoryRoot + "/docs/messages.md"

    /// Code -> the indented message line under its heading.
    static let entries: [String: String] = {
        guard let text = try? String(contentsOfFile: page, encoding: .utf8) else { return [:] }
        var out: [String: String] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### `"), line.hasSuffix("`") {
                current = String(line.dropFirst(5).dropLast())
                out[current!] = ""
            } else if let c = current, out[c] == "", line.hasPrefix("    ") {
                out[c] = line.trimmingCharacters(in: .whitespaces)
            }
        }
        return out
    }()

    /// Every code the tool has, by type: adding an error type means adding
    /// it here.
    static let codes: [(type: String, codes: [String])] = [
        ("ObjectFileError", ObjectFileError.Code.allCases.map(\.rawValue)),
        ("KernelError", KernelError.Code.allCases.map(\.rawValue)),
        ("GateFileError", GateFileError.Code.allCases.map(\.rawValue)),
        ("Corpus.LoadError", Corpus.LoadError.Code.allCases.map(\.rawValue)),
        ("RecordEncoder.EncodeError", RecordEncoder.EncodeError.Code.allCases.map(\.rawValue)),
        ("LayoutError", LayoutError.Code.allCases.map(\.rawValue)),
        ("Finding", Finding.Code.allCases.map(\.rawValue)),
        ("CLIError", cliCodes),
    ]

    /// The executable's own codes (`CLIError.Code`, which a test cannot
    /// import), read from its source: `case name = "code"`.
    static let cliCodes: [String] = {
        let file = Fixtures.repositoryRoot + "/Sources/pvsites/CLIError.swift"
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [] }
        return text.matches(of: /case [a-zA-Z]+ = "([a-z-]+)"/).map { String($0.output.1) }
    }()

    /// One instance of each code, as the tool makes it, with its line.
    static var samples: [(code: String, line: String)] {
        var out: [(String, String)] = []
        func add<E: CataloguedMessage & CustomStringConvertible>(_ e: E) { out.append((e.code.rawValue, e.description)) }
        let f = "dir/x.o"
        for e: ObjectFileError in [
            .missing(path: f), .unreadable(path: f, reason: "Permission denied"), .notELF(path: f),
            .not64Bit(path: f), .notLittleEndian(path: f), .notX86_64(path: f, machine: 183),
            .truncated(path: f, what: "ELF header needs 64 bytes, file has 3"),
            .sectionIndexOutOfRange(path: f, index: 99, context: "symbol 3"),
            .symbolIndexOutOfRange(path: f, index: 99, context: ".rela.text[2]"),
            .relocationIndexOutOfRange(path: f, index: 4, context: ".rela.text"),
            .sectionBeyondEndOfFile(path: f, section: ".text", end: 900, fileSize: 800),
            .sectionOffsetPastEndOfFile(path: f, section: ".text", offset: 900, fileSize: 800),
            .sectionLargerThanFile(path: f, section: ".text", size: 9000, fileSize: 800),
            .overlappingSections(path: f, first: ".text", second: ".data", from: 64, to: 80),
            .codeWithoutBytes(path: f, section: ".text", nobits: true, patchedBy: ".rela.text", entries: 2),
            .noSymbolTable(path: f), .corruptSection(path: f, section: ".strtab", reason: "no terminator"),
            .decompression(path: f, format: "xz", reason: "corrupt data"), .libelf(path: f, message: "invalid"),
        ] { add(e) }
        for e: GateFileError in [
            .missing(path: f), .unreadable(path: f, reason: "is a directory"), .notJSON(path: f),
            .notBaseline(path: f, reason: "missing key 'configs'"), .schema(path: f, found: 1),
            .cannotWrite(path: f, reason: "No such file or directory"), .notStudy(path: f, reason: "missing key 'configs'"),
        ] { add(e) }
        for e: Corpus.LoadError in [.missing("C"), .badConfig("C/configs.json", "not valid JSON"), .noSources("C")] { add(e) }
        add(RecordEncoder.EncodeError.unsupported("'linux-6.8' (want linux-6.1 or clobbers)"))
        if let e = Self.layoutError("stride=zz") { add(e) }
        var kernels: [KernelError] = [
            .unknownKernel("5.4", known: ["6.1", "6.12"]), .badDescriptor("Kernels/linux-6.1/version.info:3: no value"),
            .missingFiles("Kernels/linux-6.1/plain-mode.patch"),
            .fetchFailed(package: "linux-source-6.1", command: "apt-get download linux-source-6.1", output: "E: no network"),
            .extractFailed("tar: unexpected end of file"), .notATree("/tmp/x"), .interrupted(SIGINT),
            .bootFailed(kernel: "6.1-gcc-O2-retpoline-on-plain", output: "qemu: could not load"),
            .badResults("Kernels/results/boots/6.1.json: not valid JSON"),
            .compilerMissing("clang-99"),
        ]
        if let files = KernelFiles.locate(Fixtures.repositoryRoot + "/Kernels"),
           let v = try? KernelVersion.known(in: files).first(where: { $0.name == "6.1" }) {
            let c = KernelConfig(kernel: v, compiler: "gcc", opt: "-O2", retpoline: true)
            kernels.append(.buildFailed(config: c, mode: .plain, message: "make failed", lines: [], dotConfig: ".config"))
        }
        for e in kernels { add(e) }
        // Warnings, as the scans word them (file: place: message).
        let r = ".parainstructions[3]", at = "native_flush_tlb_local+0x4"
        for w: Finding in [
            Finding(.dwarfUnusable, path: f, place: ".debug_info", message: "DWARF unusable, no op names or source positions: bad abbrev"),
            Finding(.referenceDoesNotDecode, path: f, place: "foo+0x10", message: "reference to pv_ops (R_X86_64_PC32) does not decode"),
            Finding(.trampolineNotAField, path: f, place: "foo+0x10", message: "pv_tramp_bogus: no field of pv_ops named bogus, not a site"),
            Finding(.overlappingSites, path: f, place: r, message: "site at foo+0x4 overlaps record 2's site at foo+0x2 (length 6)"),
            Finding(.sectionNotWholeRecords, path: f, place: ".parainstructions", message: "size 20 is not a whole number of 16-byte records"),
            Finding(.noInstructionRelocation, path: f, place: r, message: "no relocation for the instruction pointer"),
            Finding(.instructionUndefinedSymbol, path: f, place: r, message: "instruction pointer relocated against an undefined symbol"),
            Finding(.instructionOutsideSymbol, path: f, place: r, message: "instruction pointer .text+0x900 outside .text"),
            Finding(.instructionOutsideCode, path: f, place: r, message: "instruction pointer 0xffffffff82000000 is outside every executable section"),
            Finding(.instructionNotInCode, path: f, place: r, message: "instruction pointer .data+0x10 is not in an executable section"),
            Finding(.recordTruncated, path: f, place: r, message: "record truncated"),
            Finding(.zeroLength, path: f, place: r, message: "\(at): length 0"),
            Finding(.implausibleLength, path: f, place: r, message: "\(at): implausible length 200"),
            Finding(.bytesDoNotDecode, path: f, place: r, message: "\(at): bytes at +0x2 do not decode"),
            Finding(.lengthMismatch, path: f, place: r, message: "\(at): instructions end at +0x7, not at the recorded length 6"),
            Finding(.typeOutsideTable, path: f, place: r, message: "\(at): type 99 is outside the table pv_ops (576 bytes)"),
            Finding(.typeReferenceMismatch, path: f, place: r, message: "\(at): type 4 (irq.save_fl) but the instruction refers to irq.irq_disable"),
            Finding(.noTableReference, path: f, place: r, message: "\(at): no reference to the ops table at the site: op unknown"),
            Finding(.unknownClobbers, path: f, place: r, message: "\(at): clobbers 0x1000 has bits outside CLBR_ANY"),
        ] { add(w) }
        return out
    }

    static func layoutError(_ spec: String) -> LayoutError? {
        do { _ = try RecordFormats.parse(spec); return nil } catch { return error as? LayoutError }
    }

    /// Uppercase words the messages print as they are.
    static let literals: Set<String> = ["ELF", "DWARF", "CLBR_ANY", "NOBITS", "QEMU", "JSON", "VERSION", "PATCHLEVEL", "SIGINT"]

    /// `FILE: section S claims N bytes` -> a pattern where each UPPERCASE
    /// word (FILE, S, N, WHY, ...) stands for any text.
    static func pattern(_ template: String) -> Regex<AnyRegexOutput>? {
        var re = ""
        var word = ""
        func flush() {
            if !word.isEmpty, word.allSatisfy({ $0.isUppercase || $0 == "_" }), !Self.literals.contains(word) {
                re += ".+?"
            } else {
                re += NSRegularExpression.escapedPattern(for: word)
            }
            word = ""
        }
        for ch in template {
            if ch.isLetter || ch == "_" { word.append(ch) } else {
                flush()
                re += NSRegularExpression.escapedPattern(for: String(ch))
            }
        }
        flush()
        return try? Regex("^" + re + "$")
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: page), "docs/messages.md is missing"))
    func everyCodeHasAnEntryAndEveryEntryACode() {
        var all: [String] = []
        for (type, codes) in Self.codes {
            for c in codes { #expect(Self.entries[c] != nil, "\(type) code \(c) has no entry in docs/messages.md") }
            all += codes
        }
        #expect(Set(all).count == all.count, "a code is used by two error types")
        for c in Self.entries.keys.sorted() where !all.contains(c) {
            Issue.record("docs/messages.md has an entry \(c) that no error type has")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: page), "docs/messages.md is missing"))
    func everyEntrysMessageIsWhatTheToolPrints() throws {
        let samples = Self.samples
        let sampled = Set(samples.map(\.code))
        for (type, codes) in Self.codes where type != "CLIError" {
            for c in codes { #expect(sampled.contains(c), "no sample of \(c) in MessageCatalogueTests.samples") }
        }
        for (code, line) in samples {
            let template = try #require(Self.entries[code], "\(code): no entry")
            let re = try #require(Self.pattern(template), "\(code): template does not compile: \(template)")
            #expect(line.wholeMatch(of: re) != nil, "\(code): the tool prints «\(line)», the page says «\(template)»")
        }
    }

    /// The command line's own messages, as the binary prints them (exit 2,
    /// `pvsites: ` then the line), against the page: each one a user can
    /// cause on any machine.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: page), "docs/messages.md is missing"))
    func commandLineMessagesAreWhatTheBinaryPrints() throws {
        #expect(Self.cliCodes.count >= 10, "read \(Self.cliCodes) from Sources/pvsites/CLIError.swift")
        let object = try Fixtures.compile(Snippets.opsTable, name: "ops", flags: ["-O2", "-g"])
        let garbage = Fixtures.scratchPath("not-a-study.json")
        try "{}".write(toFile: garbage, atomically: true, encoding: .utf8)
        defer { unlink(garbage) }
        let cases: [(code: String, args: [String])] = [
            ("not-in-corpus", ["study", "--variant", "no-such-variant"]),
            ("compiler-unavailable", ["study", "--compiler", "gcc-99"]),
            ("not-a-linux-result", ["study", "--linux", garbage]),
            ("no-kernels-directory", ["kernel", "list", "--kernels", "/nonexistent/Kernels"]),
            ("unreadable-option-file", ["macro", object, "--names-from", "/nonexistent/names.o"]),
            ("cannot-write-output", ["records", object, "-o", "/nonexistent/dir/records.S"]),
        ]
        for (code, args) in cases {
            let r = try CommandLineTests.run(args)
            #expect(r.status == 2, "\(args): exit \(r.status)")
            let line = try #require(r.stderr.split(separator: "\n").first.map(String.init), "\(args): nothing on stderr")
            #expect(line.hasPrefix("pvsites: "), "\(line)")
            let template = try #require(Self.entries[code], "\(code): no entry")
            let re = try #require(Self.pattern(template), "\(code): template does not compile: \(template)")
            #expect(String(line.dropFirst("pvsites: ".count)).wholeMatch(of: re) != nil,
                    "\(code): the tool prints «\(line)», the page says «\(template)»")
        }
    }
}
