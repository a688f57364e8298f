import Concurrency
import ELF
import MacroSites
import SiteModel
import TestSupport
import Testing

/// MacroSites on Debian's kernels, record by record against `readelf -SrW`
/// and the record bytes (`KernelOracle`): where each site is, its length,
/// its field, and the call through `pv_ops` inside it. Skipped, with the
/// reason, when the kernels are not in the cache; `make test-kernels`
/// fetches them and fails instead of skipping.
@Suite("Real kernels: records equal readelf -rW", .serialized)
struct RealKernelRecordTests {
    static func scan(_ path: String) -> Result<MacroScan, any Error> {
        Result { try MacroScan(file: try ObjectFile(path: path), options: MacroOptions(sourcePositions: false)) }
    }

    /// The section MacroScan reads when none is given.
    static func recordSection(_ f: ReadelfFile) -> String? {
        [".parainstructions", ".altinstructions"].first { f.section(named: $0) != nil }
    }

    /// One file's sites against readelf's, in record order.
    static func compare(_ scan: MacroScan, _ expected: [ExpectedSite], clobbers: Bool, _ name: String) {
        #expect(scan.sites.count == expected.count, "\(name)")
        for (site, e) in zip(scan.sites, expected) {
            #expect(site.section == e.section && site.offset == e.offset, "\(name): \(site.location) vs \(e)")
            #expect(site.length == e.length, "\(name): \(site.location) vs \(e)")
            #expect(site.op.offset == e.opOffset, "\(name): \(site.location) vs \(e)")
            #expect(site.clobbers?.rawValue == (clobbers ? e.clobbers : nil), "\(name): \(site.location) vs \(e)")
            // Every site is one call or tail jump through pv_ops, to the
            // field the record names.
            let call = e.call
            #expect(call?.field == e.opOffset, "\(name): \(e)")
            #expect(site.kind.rawValue == call?.kind, "\(name): \(site.location) vs \(e)")
        }
    }

    /// Linux 6.1 modules: every module, with or without records.
    @Test(RealKernels.needs(.linux61Modules))
    func linux61Modules() throws {
        try RealKernels.require(.linux61Modules)
        let modules = try KernelOracle.linux61Modules.get()
        let scans = WorkerPool.map(modules) { Self.scan($0.path) }
        var records = 0, withRecords = 0
        for (m, result) in zip(modules, scans) {
            let scan = try result.get()
            let expected = try KernelOracle.parainstructions(m.readelf, code: KernelOracle.Code(m.readelf))
            #expect(scan.records == expected.records, "\(m.path)")
            #expect(expected.sites.count == expected.records, "\(m.path): one relocation per record")
            #expect(scan.findings.isEmpty, "\(m.path): \(scan.findings)")
            // Without .parainstructions, 6.1's 12-byte .altinstructions is
            // read and found to hold no paravirt sites.
            #expect(scan.section == Self.recordSection(m.readelf), "\(m.path)")
            if expected.records > 0 {
                withRecords += 1
                #expect(scan.layout == "clobbers" && scan.table == KernelOracle.table, "\(m.path): \(scan.layout)")
            } else {
                #expect(scan.layout == "none" && scan.records == 0, "\(m.path): \(scan.layout)")
            }
            Self.compare(scan, expected.sites, clobbers: true, m.path)
            records += expected.records
        }
        try #require(records > 0, "no .parainstructions records in \(modules.count) modules")
        print("linux-6.1 modules: \(records) records in \(withRecords) of \(modules.count) modules, equal to readelf")
    }

    /// The Linux 6.1 vmlinux of the -dbg package: linked with
    /// --emit-relocs, so its records keep their relocations.
    @Test(RealKernels.needs(.linux61Vmlinux))
    func linux61Vmlinux() throws {
        let path = try RealKernels.require(.linux61Vmlinux)
        let readelf = try KernelOracle.linux61Vmlinux.get()
        let scan = try Self.scan(path).get()
        let expected = try KernelOracle.parainstructions(readelf, code: KernelOracle.Code(readelf))
        try #require(expected.records > 0)
        #expect(scan.records == expected.records)
        #expect(expected.sites.count == expected.records, "one relocation per record")
        #expect(scan.layout == "clobbers" && scan.table == KernelOracle.table)
        #expect(scan.findings.isEmpty, "\(scan.findings)")
        Self.compare(scan, expected.sites, clobbers: true, "vmlinux")
        // Addresses: the record's pointer, section address plus offset.
        for (site, e) in zip(scan.sites, expected.sites) {
            let section = try #require(readelf.section(named: e.section))
            #expect(site.address == section.address + e.offset, "\(site.location)")
        }
    }

    /// Linux 6.12 `.ko.xz` modules, read compressed: the 6.8 `alt_instr`
    /// layout, paravirt sites flagged ALT_FLAG_DIRECT_CALL among the other
    /// alternatives.
    @Test(RealKernels.needs(.linux612Modules))
    func linux612Modules() throws {
        try RealKernels.require(.linux612Modules)
        let modules = try KernelOracle.linux612Modules.get()
        let scans = WorkerPool.map(modules) { Self.scan($0.path) }
        var records = 0, sites = 0
        for (m, result) in zip(modules, scans) {
            let scan = try result.get()
            let expected = try KernelOracle.altinstructions(m.readelf, code: KernelOracle.Code(m.readelf))
            #expect(scan.records == expected.records, "\(m.path)")
            #expect(expected.relocations == 2 * expected.records, "\(m.path): instr and repl of every record")
            #expect(scan.findings.isEmpty, "\(m.path): \(scan.findings)")
            #expect(scan.section == Self.recordSection(m.readelf), "\(m.path)")
            #expect(scan.layout == (expected.records > 0 ? "linux-6.8" : "none"), "\(m.path): \(scan.layout)")
            Self.compare(scan, expected.sites, clobbers: false, m.path)
            records += expected.records
            sites += expected.sites.count
        }
        try #require(sites > 0, "no ALT_FLAG_DIRECT_CALL records in \(modules.count) modules")
        print("linux-6.12 modules: \(sites) paravirt sites among \(records) alt_instr records, equal to readelf")
    }
}
