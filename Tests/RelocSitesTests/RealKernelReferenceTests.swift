import Concurrency
import ELF
import RelocSites
import SiteModel
import TestSupport
import Testing

/// RelocSites on Debian's kernels against `readelf -SrW`: the references
/// are exactly the relocations against `pv_ops` in executable sections, and
/// each one readelf and the bytes show to be `call`/`jmp *pv_ops+X(%rip)`
/// is decoded as that call, at that place, to field X (`KernelOracle`).
/// Skipped, with the reason, when the kernels are not in the cache; `make
/// test-kernels` fetches them and fails instead of skipping.
@Suite("Real kernels: references equal readelf -rW", .serialized)
struct RealKernelReferenceTests {
    static let options = RelocOptions(policy: .decoded, sourcePositions: false)

    /// One file's references against readelf's; returns how many.
    @discardableResult
    static func compare(_ path: String, _ readelf: ReadelfFile, scan: RelocScan) throws -> Int {
        let expected = try KernelOracle.references(readelf, code: KernelOracle.Code(readelf))
        func key(_ section: String, _ offset: UInt64, _ type: String) -> String { "\(section)+\(offset) \(type)" }
        let ours = scan.references.map { key($0.section, $0.relocationOffset, $0.relocationType) }
        let theirs = expected.map { key($0.section, $0.relocationOffset, $0.type) }
        #expect(ours.sorted() == theirs.sorted(), "\(path)")
        #expect(Set(ours).count == ours.count, "\(path): a relocation scanned twice")
        if !expected.isEmpty { #expect(scan.table == KernelOracle.table, "\(path)") }
        let byKey = Dictionary(scan.references.map { (key($0.section, $0.relocationOffset, $0.relocationType), $0) }) { a, _ in a }
        for e in expected {
            guard let call = e.call, let r = byKey[key(e.section, e.relocationOffset, e.type)] else { continue }
            #expect(r.use == (call.kind == "call" ? .callMem : .jmpMem), "\(path): \(r.location) \(r.instruction)")
            #expect(r.offset == call.offset && r.length == call.length, "\(path): \(r.location) \(r.instruction)")
            #expect(r.op?.offset == call.field, "\(path): \(r.location) \(r.instruction)")
        }
        // decoded's sites are exactly these calls and jumps.
        let calls = expected.compactMap { e in e.call.map { "\(e.section)+\($0.offset) \($0.kind) \($0.field)" } }
        let sites = scan.sites.map { "\($0.section)+\($0.offset) \($0.kind.rawValue) \($0.op.offset)" }
        #expect(sites.sorted() == calls.sorted(), "\(path)")
        return expected.count
    }

    static func scan(_ path: String) -> Result<RelocScan, any Error> {
        Result { try RelocScan(file: try ObjectFile(path: path), options: options) }
    }

    @Test(RealKernels.needs(.linux61Modules))
    func linux61Modules() throws {
        try RealKernels.require(.linux61Modules)
        let modules = try KernelOracle.linux61Modules.get()
        let scans = WorkerPool.map(modules) { Self.scan($0.path) }
        var total = 0
        for (m, scan) in zip(modules, scans) { total += try Self.compare(m.path, m.readelf, scan: try scan.get()) }
        try #require(total > 0, "no relocations against pv_ops in \(modules.count) modules")
        print("linux-6.1 modules: \(total) references to pv_ops, equal to readelf")
    }

    @Test(RealKernels.needs(.linux61Vmlinux))
    func linux61Vmlinux() throws {
        let path = try RealKernels.require(.linux61Vmlinux)
        let readelf = try KernelOracle.linux61Vmlinux.get()
        let scan = try Self.scan(path).get()
        let total = try Self.compare(path, readelf, scan: scan)
        try #require(total > 0)
        for r in scan.references {
            let section = try #require(readelf.section(named: r.section))
            #expect(r.address == section.address + r.offset, "\(r.location)")
        }
        print("linux-6.1 vmlinux: \(total) references to pv_ops, equal to readelf")
    }

    /// Read unpacked (RealKernelRecordTests reads the `.ko.xz` files, and
    /// DecompressionTests shows both give the same tables): decompressing
    /// 4,000 modules again would double the test's time.
    @Test(RealKernels.needs(.linux612Modules))
    func linux612Modules() throws {
        try RealKernels.require(.linux612Modules)
        let modules = try KernelOracle.linux612Modules.get()
        let scans = WorkerPool.map(modules) { Self.scan($0.readelf.path) }
        var total = 0
        for (m, scan) in zip(modules, scans) { total += try Self.compare(m.path, m.readelf, scan: try scan.get()) }
        try #require(total > 0, "no relocations against pv_ops in \(modules.count) modules")
        print("linux-6.12 modules: \(total) references to pv_ops, equal to readelf")
    }
}
