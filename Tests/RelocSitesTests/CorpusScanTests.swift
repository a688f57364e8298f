import X86
import ELF
import RelocSites
import SiteModel
import TestSupport
import Testing

/// The relocation scan on the corpus's plain builds.
@Suite("Scan of the corpus", .serialized)
struct CorpusScanTests {
    static func scans(_ variant: String, _ opt: String) throws -> [(String, RelocScan, RelocScan)] {
        try CorpusFixture.corpus.sources.map { source in
            let path = try #require(CorpusFixture.object(source, variant, opt, .plain))
            let both = try RelocScan.scan(file: try ObjectFile(path: path),
                                          options: RelocOptions(sourcePositions: false), policies: [.decoded, .dataflow])
            return (source, both[0], both[1])
        }
    }

    /// -O2, kernel: dataflow finds calls decoded does not, and nothing
    /// that is not a call.
    @Test func dataflowAddsOnlyCalls() throws {
        var extra = 0
        for (source, decoded, dataflow) in try Self.scans("kernel", "-O2") {
            let decodedAddresses = Set(decoded.sites.map(\.address))
            #expect(decodedAddresses.isSubset(of: Set(dataflow.sites.map(\.address))), "\(source)")
            for s in dataflow.sites where !decodedAddresses.contains(s.address) {
                extra += 1
                #expect(s.kind != .other, "\(source): \(s.location)")
            }
            // Every dataflow site is a call or jump instruction in the object.
            let file = try ObjectFile(path: try #require(CorpusFixture.object(source, "kernel", "-O2", .plain)))
            let reader = CodeReader(file: file)
            for s in dataflow.sites {
                let section = try #require(file.findSection(index: s.sectionIndex))
                let insn = try #require(reader.decode(section: section, offset: s.offset))
                #expect(insn.operation == .call || insn.operation == .jump, "\(source): \(insn)")
                #expect(insn.length == s.length)
            }
        }
        #expect(extra > 0)
    }

    /// -O0: gcc loads the op into a register and calls it; decoded finds
    /// next to nothing (the hand-written asm sites only), dataflow nearly all.
    @Test func optNoneCallsThroughRegisters() throws {
        var decodedC = 0, dataflowC = 0, loads = 0
        for (source, decoded, dataflow) in try Self.scans("kernel", "-O0") where source.hasSuffix(".c") {
            decodedC += decoded.sites.count
            dataflowC += dataflow.sites.count
            loads += decoded.references.filter { $0.use == .load }.count
        }
        #expect(decodedC == 0)
        #expect(loads > 100)
        // Some -O0 loads feed compares or read data fields; the rest reach calls.
        #expect(dataflowC > 100)
    }

    /// The retpoline build calls through thunks; dataflow follows them.
    @Test func retpolineThunks() throws {
        let thunks = try Self.scans("retpoline", "-O2").reduce(0) { n, s in n + s.2.sites.filter { $0.kind == .thunkCall || $0.kind == .thunkJmp }.count }
        #expect(thunks > 50)
    }

    /// PIC: the table's address comes from the GOT, calls go through a base register.
    @Test func picGOT() throws {
        var got = 0, base = 0
        for (_, decoded, dataflow) in try Self.scans("pic", "-O2") {
            got += decoded.references.filter { $0.viaGOT }.count
            base += dataflow.sites.filter { $0.kind == .callBase || $0.kind == .jmpBase }.count
        }
        #expect(got > 50)
        #expect(base > 50)
    }
}
