import CorpusBuild
import ELF
import Foundation
import RelocSites
import SiteModel
import TestSupport
import Testing

/// The direct form's objects (`-DPVOPS_DIRECT`), against binutils: every
/// relocation against a trampoline (`readelf -rW`) is held by a 5-byte
/// `call` or `jmp` (`objdump -drw`), one per surviving macro use (its
/// source line holds the `PVOP_*` use of that op), and pvsites' scan finds
/// exactly those; no C object reaches through the table at a macro use.
/// Exact counts, on the fixture's direct slice (kernel, retpoline and pic
/// at -O0, -O2, -Os).
@Suite("Scan of the direct form", .serialized)
struct DirectScanTests {
    static let table = "paravirt_ops"
    static let prefix = "pv_tramp_"

    static func object(_ source: String, _ configuration: BuildConfiguration) throws -> String {
        try #require(CorpusFixture.object(source, configuration.variant, configuration.opt, .direct),
                     "\(source) not built in direct mode for \(configuration)")
    }

    /// Source lines read once.
    final class Lines: @unchecked Sendable {
        private var files: [String: [Substring]] = [:]
        func line(_ path: String, _ n: Int) -> String {
            if files[path] == nil {
                files[path] = ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n", omittingEmptySubsequences: false)
            }
            let lines = files[path]!
            return n >= 1 && n <= lines.count ? String(lines[n - 1]) : ""
        }
    }

    /// The table's field names, from the DWARF of the image the objects
    /// link into (its stubs define the table): a direct object that reads
    /// no data field has only a declaration of the struct, and the study
    /// passes the names of a plain build the same way.
    static func fieldNames(_ configuration: BuildConfiguration) throws -> OpNames {
        let image = try #require(CorpusFixture.build.find(configuration, .direct)?.image, "\(configuration): no direct image")
        let file = try ObjectFile(path: image)
        let table = try #require(OpsTable(file: file, debugInfo: try file.openDebugInfo()))
        try #require(table.members.count == 66, "\(configuration): \(table.members.count) fields")
        return table.members
    }

    @Test(arguments: CorpusFixture.directConfigurations)
    func oneDirectCallPerMacroUse(_ configuration: BuildConfiguration) throws {
        let lines = Lines()
        let names = try Self.fieldNames(configuration)
        var total = 0
        for source in CorpusFixture.corpus.sources {
            let at = "\(configuration) \(source)"
            let path = try Self.object(source, configuration)
            let listing = try ToolListing(path: path)
            let scans = try RelocScan.scan(file: try ObjectFile(path: path), options: RelocOptions(fieldNames: names),
                                           policies: [.decoded, .dataflow])
            let decoded = scans[0], dataflow = scans[1]
            // readelf: the relocations against trampolines, PLT32 or PC32.
            let relocations = listing.codeRelocations.filter { $0.symbol.hasPrefix(Self.prefix) }
            #expect(relocations.allSatisfy { $0.type == "R_X86_64_PLT32" || $0.type == "R_X86_64_PC32" }, "\(at)")
            // objdump: each is held by a 5-byte direct call or jmp, never anything else.
            let held = listing.functions.joined().filter { $0.relocations.contains { $0.symbol.hasPrefix(Self.prefix) } }
            #expect(held.count == relocations.count, "\(at)")
            for insn in held {
                let direct = (insn.mnemonic.hasPrefix("call") || insn.mnemonic.hasPrefix("jmp"))
                    && insn.length == 5 && !(insn.operands.first ?? "").hasPrefix("*")
                #expect(direct, "\(at): \(insn.mnemonic) \(insn.operands) at \(hex(insn.address))")
            }
            // pvsites: exactly those, as sites of every policy, with the op the name gives.
            let want = Set(held.map { "\($0.address) \($0.relocations.first { $0.symbol.hasPrefix(Self.prefix) }!.symbol)" })
            let sites = decoded.sites.filter { $0.kind == .callDirect || $0.kind == .jmpDirect }
            #expect(Set(sites.map { "\($0.offset) \(Self.prefix)\($0.op.name ?? "?")" }) == want, "\(at)")
            #expect(sites.count == held.count && sites.allSatisfy { $0.length == 5 }, "\(at)")
            #expect(sites.filter { $0.kind == .jmpDirect }.count == held.filter { $0.mnemonic.hasPrefix("jmp") }.count, "\(at)")
            #expect(dataflow.sites.filter { $0.kind == .callDirect || $0.kind == .jmpDirect }.count == sites.count, "\(at)")
            // No finding about a trampoline (literal_pool.c's table
            // reference in data does not decode, as in the plain form).
            #expect(!decoded.findings.contains { $0.message.contains(Self.prefix) }, "\(at): \(decoded.findings)")
            total += sites.count
            // One per surviving macro use: the site's line is a use of its op.
            for s in sites {
                let frame = try #require(s.source.first, "\(at): \(s.location) has no source position")
                let text = lines.line(frame.file, frame.line)
                #expect(text.contains("PVOP_") && text.contains(s.op.name ?? "?"),
                        "\(at): \(s.location) at \(frame.file):\(frame.line): \(text)")
            }
            if source.hasSuffix(".c") {
                // No reference to the table at a macro use, and no call
                // through it there: what C still calls through the table
                // is written as a plain call without a macro (raw_ops_call.c),
                // and objdump's memory branches through it are exactly the
                // scan's.
                let tableSites = decoded.sites.filter { $0.kind != .callDirect && $0.kind != .jmpDirect }
                #expect(tableSites.count == listing.tableInstructions(Self.table).filter(\.isMemoryBranch).count, "\(at)")
                for s in dataflow.sites where s.kind != .callDirect && s.kind != .jmpDirect {
                    let frame = try #require(s.source.first, "\(at): \(s.location) has no source position")
                    #expect(!lines.line(frame.file, frame.line).contains("PVOP_"), "\(at): \(s.location) \(s.evidence)")
                }
                for r in dataflow.references where r.target == .table {
                    let frame = try #require(r.source.first, "\(at): \(r.location) has no source position")
                    #expect(!lines.line(frame.file, frame.line).contains("PVOP_"), "\(at): \(r.location) \(r.instruction)")
                }
            } else {
                // Hand-written asm keeps its plain form: no trampoline.
                #expect(relocations.isEmpty, "\(at)")
                #expect(decoded.sites.count == listing.tableInstructions(Self.table).filter(\.isMemoryBranch).count, "\(at)")
            }
        }
        // The direct sites per configuration, summed over the objects.
        #expect(total == Self.expectedDirectSites[configuration.variant + " " + configuration.opt], "\(configuration)")
    }

    /// Direct calls and jumps per configuration (gcc 12.2): one per macro
    /// use that survives, so these follow inlining. They are the annotated
    /// C sites found plus the surplus copies (DirectFormTests): at -Os gcc
    /// inlines the small C wrappers it keeps out of line around the asm.
    static let expectedDirectSites: [String: Int] = [
        "kernel -O0": 181, "kernel -O2": 301, "kernel -Os": 269,
        "retpoline -O0": 181, "retpoline -O2": 302, "retpoline -Os": 269,
        "pic -O0": 181, "pic -O2": 295, "pic -Os": 269,
    ]

    /// The trampolines: one per function field, each one `jmp *` through
    /// its own field, 8-aligned; the direct image has them and scans none
    /// of them as sites.
    @Test func trampolinesOnePerField() throws {
        let cfg = CorpusFixture.configuration("kernel", "-O2")
        let image = try #require(CorpusFixture.build.find(cfg, .direct)?.image)
        let listing = try ToolListing(path: image)
        let file = try ObjectFile(path: image)
        let trampolines = file.symbols.filter { $0.name.hasPrefix(Self.prefix) && $0.isDefined }
        #expect(trampolines.count == 62)
        let scan = try RelocScan(file: file, options: RelocOptions(policy: .decoded))
        for t in trampolines {
            let body = listing.functions.first { $0.first?.address == t.value }
            let insn = try #require(body?.first, "\(t.name)")
            #expect(insn.mnemonic.hasPrefix("jmp") && insn.length == 6 && insn.refers(to: Self.table), "\(t.name)")
            #expect(t.value % 8 == 0, "\(t.name)")
            #expect(!scan.references.contains { $0.address >= t.value && $0.address < t.value + 8 }, "\(t.name)")
        }
    }
}
