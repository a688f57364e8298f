import CorpusBuild
import ELF
import RelocSites
import SiteModel
import TestSupport
import Testing

/// The relocation scan on the corpus's plain builds, against binutils:
/// every count is the one `readelf -rW` or `objdump -drw` gives for the
/// same objects (ToolListing), never a threshold.
@Suite("Scan of the corpus", .serialized)
struct CorpusScanTests {
    static let table = "paravirt_ops"

    /// One plain object of a configuration, scanned with decoded and
    /// dataflow, and listed by readelf and objdump.
    struct Scanned {
        let source: String
        let decoded: RelocScan
        let dataflow: RelocScan
        let listing: ToolListing
    }

    static func scans(_ variant: String, _ opt: String) throws -> [Scanned] {
        try scans(CorpusFixture.configuration(variant, opt))
    }

    static func scans(_ configuration: BuildConfiguration) throws -> [Scanned] {
        try CorpusFixture.corpus.sources.map { source in
            let path = try #require(CorpusFixture.object(source, configuration.variant, configuration.opt, .plain),
                                    "\(source) not built for \(configuration)")
            let both = try RelocScan.scan(file: try ObjectFile(path: path),
                                          options: RelocOptions(sourcePositions: false), policies: [.decoded, .dataflow])
            return Scanned(source: source, decoded: both[0], dataflow: both[1], listing: try ToolListing(path: path))
        }
    }

    /// The sites dataflow adds to decoded, by place.
    static func followed(_ s: Scanned) -> [Site] {
        let decoded = Set(s.decoded.sites.map { Place(section: $0.sectionIndex, offset: $0.offset) })
        return s.dataflow.sites.filter { !decoded.contains(Place(section: $0.sectionIndex, offset: $0.offset)) }
    }

    /// Every relocation against the table in code is a reference; calls and
    /// jumps through memory, loads and GOT loads are the ones objdump shows.
    @Test(arguments: CorpusFixture.configurations)
    func referencesAsReadelfAndObjdumpList(_ configuration: BuildConfiguration) throws {
        for s in try Self.scans(configuration) {
            let at = "\(configuration) \(s.source)"
            let refs = s.decoded.references
            let relocations = s.listing.tableRelocations(Self.table)
            let held = s.listing.tableInstructions(Self.table)
            #expect(refs.count == relocations.count, "\(at)")
            #expect(refs.filter(\.viaGOT).count == relocations.filter { $0.type.contains("GOTPCREL") }.count, "\(at)")
            let memoryBranches = held.filter(\.isMemoryBranch).count
            #expect(refs.filter { $0.use == .callMem || $0.use == .jmpMem }.count == memoryBranches, "\(at)")
            #expect(s.decoded.sites.count == memoryBranches, "\(at)")
            #expect(refs.filter { $0.use == .load }.count == held.filter { $0.isLoad && !$0.viaGOT }.count, "\(at)")
        }
    }

    /// Dataflow adds to decoded exactly the calls and jumps objdump shows
    /// reached from a load or an address of the table (ToolListing.tableCalls),
    /// each of the kind and length objdump gives it.
    @Test(arguments: CorpusFixture.configurations)
    func dataflowAddsTheCallsObjdumpShows(_ configuration: BuildConfiguration) throws {
        for s in try Self.scans(configuration) {
            let at = "\(configuration) \(s.source)"
            let decoded = Set(s.decoded.sites.map(\.address))
            #expect(decoded.isSubset(of: Set(s.dataflow.sites.map(\.address))), "\(at)")
            var expected: [String: (ToolListing.Instruction, ToolListing.Via)] = [:]
            for call in s.listing.tableCalls(Self.table) {
                expected["\(call.instruction.section)+\(call.instruction.address)"] = call
            }
            let followed = Self.followed(s)
            #expect(Set(followed.map { "\($0.section)+\($0.offset)" }) == Set(expected.keys), "\(at)")
            for site in followed {
                guard let (insn, via) = expected["\(site.section)+\(site.offset)"] else { continue }
                let isCall = insn.mnemonic.hasPrefix("call")
                let kind: SiteKind = switch via {
                case .register: isCall ? .callReg : .jmpReg
                case .base: isCall ? .callBase : .jmpBase
                case .thunk: isCall ? .thunkCall : .thunkJmp
                }
                #expect(site.kind == kind, "\("\(at)"): \(site.location)")
                #expect(site.length == insn.length, "\("\(at)"): \(site.location)")
            }
        }
    }

    /// -O0: gcc loads the op into a register and calls it. In the C
    /// sources no call goes through memory (decoded finds nothing); every
    /// load objdump shows is a reference, and dataflow finds the calls
    /// they reach. (Some -O0 loads feed compares or read data fields.)
    @Test func optNoneCallsThroughRegisters() throws {
        var decodedC = 0, memoryBranchesC = 0, followedC = 0, callsC = 0, loads = 0, objdumpLoads = 0
        for s in try Self.scans("kernel", "-O0") where s.source.hasSuffix(".c") {
            decodedC += s.decoded.sites.count
            memoryBranchesC += s.listing.tableInstructions(Self.table).filter(\.isMemoryBranch).count
            followedC += Self.followed(s).count
            callsC += s.listing.tableCalls(Self.table).count
            loads += s.decoded.references.filter { $0.use == .load }.count
            objdumpLoads += s.listing.tableInstructions(Self.table).filter(\.isLoad).count
        }
        #expect(decodedC == 0)
        #expect(memoryBranchesC == 0)
        try #require(objdumpLoads > 0, "objdump shows no load of the table at -O0")
        #expect(loads == objdumpLoads)
        #expect(followedC == callsC)
    }

    /// The retpoline build calls through `__x86_indirect_thunk_<reg>`;
    /// dataflow follows the load to each thunk call that uses it.
    @Test func retpolineThunks() throws {
        var thunkSites = 0, thunkCalls = 0
        for s in try Self.scans("retpoline", "-O2") {
            thunkSites += s.dataflow.sites.filter { $0.kind == .thunkCall || $0.kind == .thunkJmp }.count
            thunkCalls += s.listing.tableCalls(Self.table).filter { $0.via == .thunk }.count
        }
        try #require(thunkCalls > 0, "objdump shows no thunk call reached from the table")
        #expect(thunkSites == thunkCalls)
    }

    /// PIC: the table's address comes from the GOT (readelf's
    /// R_X86_64_REX_GOTPCRELX), calls go through a base register.
    @Test func picGOT() throws {
        var got = 0, readelfGOT = 0, base = 0, objdumpBase = 0
        for s in try Self.scans("pic", "-O2") {
            got += s.decoded.references.filter(\.viaGOT).count
            readelfGOT += s.listing.tableRelocations(Self.table).filter { $0.type.contains("GOTPCREL") }.count
            base += s.dataflow.sites.filter { $0.kind == .callBase || $0.kind == .jmpBase }.count
            objdumpBase += s.listing.tableCalls(Self.table).filter { $0.via == .base }.count
        }
        try #require(readelfGOT > 0, "readelf shows no GOT relocation against the table")
        #expect(got == readelfGOT)
        #expect(base == objdumpBase)
    }
}
