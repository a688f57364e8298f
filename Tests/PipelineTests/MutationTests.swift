import Pipeline
import Foundation
import ELF
import TestSupport
import Testing

/// Thousands of deterministic mutants of real objects (see `Mutants`), each
/// run through the whole path (`WholePath`: open → MacroScan → RelocScan
/// with dataflow → same-object and cross-build comparison). Each must
/// succeed or throw an `ObjectFileError` with a one-line message; a trap
/// kills the test process, which is the failure this test exists for.
///
/// To find the mutant behind a trap, set PVSITES_MUTANT_DUMP=DIR: each
/// mutant is written there before it runs and removed after, so the one
/// that trapped is left behind (replay it with `pvsites-fuzz FILE`).
/// About 3,000 mutants take 10-20 s on two cores.
@Suite("Mutants of real objects give results or typed errors")
struct MutationTests {
    struct Input: CustomTestStringConvertible, Sendable {
        let name: String
        let path: String?
        let count: Int
        let seed: UInt64
        var testDescription: String { name }
    }

    /// The corpus inputs; real modules are in `RealKernelMutationTests`.
    static let inputs: [Input] = [
        Input(name: "corpus annotated object", path: CorpusFixture.object("src/macro_sites.c", "kernel", "-O2", .annotated),
              count: 1000, seed: 0x9e37_79b9),
        Input(name: "corpus linked image", path: CorpusFixture.build.find(CorpusFixture.configuration("kernel", "-O2"),
                                                                          .annotated)?.image,
              count: 1000, seed: 0x7f4a_7c15),
    ]

    static let dumpDirectory = ProcessInfo.processInfo.environment["PVSITES_MUTANT_DUMP"]

    /// For a longer hunt by hand (CI uses neither): PVSITES_MUTANT_SEED
    /// changes every seed, PVSITES_MUTANT_SCALE multiplies every count.
    static let seedOverride = ProcessInfo.processInfo.environment["PVSITES_MUTANT_SEED"].flatMap { UInt64($0) } ?? 0
    static let scale = ProcessInfo.processInfo.environment["PVSITES_MUTANT_SCALE"].flatMap { Int($0) } ?? 1

    /// Bytes of the ELF image inside `path` (decompressed for `.ko.xz`).
    static func elfBytes(_ path: String) throws -> [UInt8] {
        if path.hasSuffix(".xz") {
            let out = FileManager.default.temporaryDirectory.appendingPathComponent("mutant-src-\(getpid()).ko").path
            defer { unlink(out) }
            try Command.check(["sh", "-c", "xz -dc \"$0\" > \"$1\"", path, out])
            return try ELFBytes(path: out).bytes
        }
        return try ELFBytes(path: path).bytes
    }

    enum Verdict { case ok, typed }

    /// One mutant through the whole path.
    static func run(_ bytes: [UInt8], name: String) -> Result<Verdict, Error> {
        var dump: String?
        if let dir = dumpDirectory {
            dump = "\(dir)/\(name.replacingOccurrences(of: "/", with: "_")).bin"
            // Best effort: the dump only helps a reader of a failure.
            _ = FileManager.default.createFile(atPath: dump!, contents: Data(bytes))
        }
        defer { if let dump { unlink(dump) } }
        do {
            _ = try WholePath.run(bytes: bytes, name: name)
            return .success(.ok)
        } catch let e as ObjectFileError {
            return e.description.contains("\n") || !e.description.hasPrefix(name + ": ")
                ? .failure(e) : .success(.typed)
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: inputs)
    func mutantsSucceedOrFailTyped(_ input: Input) throws {
        try Self.check(input, path: try #require(input.path, "\(input.name) was not built"))
    }

    static func check(_ input: Input, path: String) throws {
        let original = try Self.elfBytes(path)
        #expect(throws: Never.self) { try WholePath.run(bytes: original, name: path) }
        var mutants = Mutants.make(original, count: input.count * scale, seed: input.seed ^ seedOverride)
        if path.hasSuffix(".xz") {
            // The container too: truncated and flipped compressed streams.
            let packed = try ELFBytes(path: path).bytes
            var rng = SplitMix64(seed: input.seed)
            for i in 0 ..< 40 {
                var b = packed
                if i % 2 == 0 {
                    b = Array(b.prefix(Int(rng.next() % UInt64(b.count))))
                } else {
                    b[Int(rng.next() % UInt64(b.count))] ^= 0x10
                }
                mutants.append(Mutants.Mutant(region: .truncation, change: "compressed container \(i)", bytes: b))
            }
        }
        var ok = 0, typed = 0
        var byRegion: [Mutants.Region: Int] = [:], okByRegion: [Mutants.Region: Int] = [:]
        let started = ContinuousClock.now
        for (i, m) in mutants.enumerated() {
            byRegion[m.region, default: 0] += 1
            switch run(m.bytes, name: "mutant-\(input.seed)-\(i)") {
            case .success(.ok):
                ok += 1
                okByRegion[m.region, default: 0] += 1
            case .success(.typed): typed += 1
            case .failure(let e): Issue.record("\(input.name) mutant \(i) (\(m.change)): \(type(of: e)): \(e)")
            }
        }
        let regions = Mutants.Region.allCases.compactMap { r in
            byRegion[r].map { "\(r.rawValue) \(okByRegion[r, default: 0])/\($0)" }
        }
        print("\(input.name): \(mutants.count) mutants in \(ContinuousClock.now - started), \(ok) ran through, "
            + "\(typed) typed errors; ran through by region: \(regions.joined(separator: ", "))")
        #expect(ok + typed == mutants.count)
        #expect(mutants.count == input.count * scale + (path.hasSuffix(".xz") ? 40 : 0))
        // Every region the file has was mutated.
        for region in Mutants.regions(of: original).keys { #expect(byRegion[region, default: 0] > 0, "\(region)") }
    }

    /// The mutants are what the test counts on: as many as asked, each
    /// different from its original, nearly all different from each other,
    /// spread evenly over the regions the file has, and the same for the
    /// same seed (a failure names a mutant that can be made again).
    @Test(arguments: inputs)
    func mutantsAreDistinctSpreadAndRepeatable(_ input: Input) throws {
        let original = try Self.elfBytes(try #require(input.path, "\(input.name) was not built"))
        let mutants = Mutants.make(original, count: input.count, seed: input.seed)
        #expect(mutants.count == input.count)
        // An overwrite may write the value already there (a boundary value
        // over a zero field): a few, not many.
        let unchanged = mutants.filter { $0.bytes == original }
        let noOps = unchanged.count
        #expect(noOps * 100 <= input.count * 5, "\(noOps) mutants equal the original, e.g. \(unchanged.first?.change ?? "")")
        let distinct = Set(mutants.map(\.bytes)).count
        #expect(distinct * 100 >= input.count * 90, "\(distinct) distinct of \(input.count)")
        // Round robin over the regions present (truncation always is).
        let present = Set(Mutants.regions(of: original).keys).union([.truncation])
        let byRegion = Dictionary(grouping: mutants, by: \.region).mapValues(\.count)
        #expect(Set(byRegion.keys) == present)
        for (region, n) in byRegion { #expect(n >= input.count / present.count, "\(region): \(n)") }
        let repeated = Mutants.make(original, count: input.count, seed: input.seed).map(\.bytes) == mutants.map(\.bytes)
        #expect(repeated, "the same seed gave other mutants")
        let reseeded = Mutants.make(original, count: 20, seed: input.seed &+ 1).map(\.bytes) == mutants.prefix(20).map(\.bytes)
        #expect(!reseeded, "another seed gave the same mutants")
    }
}

/// The same on Debian's modules (one per kernel); skipped, with the reason,
/// when they are not in the cache (`make test-kernels` fails instead).
@Suite("Real kernels: mutants of modules give results or typed errors")
struct RealKernelMutationTests {
    static let linux61 = RealKernels.Input.linux61Modules.file("arch/x86/events/rapl.ko")
    static let linux612 = RealKernels.Input.linux612Modules.file("arch/x86/kernel/cpuid.ko.xz")

    @Test(RealKernels.needs(linux61))
    func linux61Module() throws {
        let path = try RealKernels.require(Self.linux61)
        try MutationTests.check(.init(name: "linux-6.1 module", path: path, count: 600, seed: 0xbf58_476d), path: path)
    }

    /// Also the container: truncated and flipped compressed streams.
    @Test(RealKernels.needs(linux612))
    func linux612Module() throws {
        let path = try RealKernels.require(Self.linux612)
        try MutationTests.check(.init(name: "linux-6.12 module (.ko.xz)", path: path, count: 400, seed: 0x94d0_49bb),
                                path: path)
    }
}
