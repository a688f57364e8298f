import CorpusBuild
import Foundation
import ELF
import MacroSites
import Pipeline
import RelocSites
import Testing
import TestSupport
@testable import Kernel

/// The whole 6.1 kernel (gcc -O2, retpolines on; `pvsites kernel build
/// --full --opt -O2 --retpoline on`) against readelf: the annotated
/// vmlinux's sites are its `.parainstructions` records (section size / 16),
/// the plain vmlinux's references are exactly readelf's relocations against
/// `pv_ops` in code sections (it is linked with `--emit-relocs`), and the
/// `--full` study's control finds every annotated site in every scope.
/// Skipped, with the reason, when the whole trees are not built.
@Suite(.serialized)
struct WholeKernelTests {
    static let config = KernelFixture.small
    static let setup = KernelSetup(kernel: KernelFixture.kernel, files: Fixtures.repositoryRoot + "/Kernels",
                                   cache: RealKernels.directory, source: nil, subset: KernelFixture.kernel.subset, full: true)
    static func vmlinux(_ mode: BuildMode) -> String { setup.buildDirectory(config, mode) + "/vmlinux" }
    static let built = [BuildMode.annotated, .plain].allSatisfy { FileManager.default.fileExists(atPath: vmlinux($0)) }
    static let notBuilt = "the whole 6.1 gcc -O2 retpoline-on trees are not built "
        + "(pvsites kernel build --full --opt -O2 --retpoline on)"

    @Test(KernelFixture.needs(built, notBuilt))
    func annotatedVmlinuxSitesAreItsRecords() throws {
        try KernelFixture.require(Self.built, Self.notBuilt)
        let path = Self.vmlinux(.annotated)
        let readelf = try #require(try Readelf.read([path], against: KernelOracle.table,
                                                    in: [".rela.parainstructions"])[path])
        let expected = try KernelOracle.parainstructions(readelf, code: KernelOracle.Code(readelf))
        let section = try #require(readelf.section(named: ".parainstructions"))
        let scan = try MacroScan(file: try ObjectFile(path: path), options: MacroOptions(sourcePositions: false))
        #expect(scan.records == Int(section.size) / 16)
        #expect(scan.sites.count == expected.sites.count)
        #expect(scan.sites.map { "\($0.section)+\($0.offset)/\($0.length) \($0.op.offset)" }
            == expected.sites.map { "\($0.section)+\($0.offset)/\($0.length) \($0.opOffset)" })
        #expect(scan.findings.isEmpty, "\(scan.findings)")
        print("6.1 gcc -O2 retpoline on, annotated vmlinux: \(scan.records) records = .parainstructions 0x\(String(section.size, radix: 16)) / 16")
    }

    @Test(KernelFixture.needs(built, notBuilt))
    func plainVmlinuxReferencesAreReadelfs() throws {
        try KernelFixture.require(Self.built, Self.notBuilt)
        let path = Self.vmlinux(.plain)
        let readelf = try #require(try Readelf.read([path], against: KernelOracle.table)[path])
        let expected = try KernelOracle.references(readelf, code: KernelOracle.Code(readelf))
        let scan = try RelocScan(file: try ObjectFile(path: path),
                                 options: RelocOptions(policy: .decoded, sourcePositions: false))
        func key(_ section: String, _ offset: UInt64, _ type: String) -> String { "\(section)+\(offset) \(type)" }
        #expect(scan.references.map { key($0.section, $0.relocationOffset, $0.relocationType) }.sorted()
            == expected.map { key($0.section, $0.relocationOffset, $0.type) }.sorted())
        try #require(!expected.isEmpty)
        print("6.1 gcc -O2 retpoline on, plain vmlinux: \(expected.count) relocations against pv_ops in code = references")
    }

    /// The study's rows: one per scope, the control finds every annotated
    /// site, the vmlinux row counts the records, and no dataflow miss in
    /// vmlinux is `no-reference` (the out-of-line `__pgd` copies of the
    /// annotated build are `copies-differ`: the plain build inlined them).
    @Test(KernelFixture.needs(built, notBuilt))
    func fullStudyRows() throws {
        try KernelFixture.require(Self.built, Self.notBuilt)
        let study = KernelStudy(setup: Self.setup).compare([Self.config])
        #expect(study.configs.map(\.scope) == [.subset, .tree, .vmlinux])
        let vmlinux = try #require(study.configs.last)
        let scan = try MacroScan(file: try ObjectFile(path: Self.vmlinux(.annotated)), options: MacroOptions(sourcePositions: false))
        #expect(vmlinux.policies[.dataflow]?.annotated == scan.records)
        for config in study.configs {
            #expect(config.control.found == config.control.annotated, "\(config.scope)")
        }
        let missed = try #require(vmlinux.keys[.dataflow]).missed
        #expect(!missed.contains { $0.cause == .noReference }, "\(missed.filter { $0.cause == .noReference })")
        #expect(study.failures.isEmpty, "\(study.failures.map(\.line))")
    }
}
