import CorpusBuild
import Foundation
import Pipeline
import RelocSites
import SiteModel
import Testing
import TestSupport
@testable import Kernel

/// `--full`'s rows, one per scope, on the small trees (arch/x86/mm/, -O2,
/// retpolines on) laid out as a whole build in a scratch cache: the
/// subset's objects linked in, plus `init.o` of each standing in for
/// vmlinux (the linked image is too big for `make test`). The subset rows
/// keep their numbers; the tree has the same objects here, so the same
/// numbers; the vmlinux row is the stand-in pair's own.
@Suite(.enabled(if: KernelFixture.smallBuilt, "\(KernelFixture.notBuilt)"))
struct KernelScopeTests {
    @Test func oneRowPerScope() throws {
        let real = KernelFixture.setup()
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("pvsites-scopes-\(UUID().uuidString)").path
        defer { try? fm.removeItem(atPath: tmp) }
        let full = KernelSetup(kernel: KernelFixture.kernel, files: real.files, cache: tmp, source: nil,
                               subset: real.subset, full: true)
        for mode in [BuildMode.annotated, .plain] {
            let from = real.buildDirectory(KernelFixture.small, mode), to = full.buildDirectory(KernelFixture.small, mode)
            for rel in KernelPairs.objects(in: from, subset: real.subset) {
                try fm.createDirectory(atPath: ((to + "/" + rel) as NSString).deletingLastPathComponent,
                                       withIntermediateDirectories: true)
                try fm.createSymbolicLink(atPath: to + "/" + rel, withDestinationPath: from + "/" + rel)
            }
            try fm.createSymbolicLink(atPath: to + "/vmlinux", withDestinationPath: from + "/arch/x86/mm/init.o")
        }
        let subsetOnly = KernelStudy(setup: real).compare([KernelFixture.small])
        let scoped = KernelStudy(setup: full).compare([KernelFixture.small])
        #expect(scoped.failures.isEmpty, "\(scoped.failures.map(\.line))")
        #expect(scoped.configs.map(\.scope) == [.subset, .tree, .vmlinux])
        #expect(scoped.configs.map(\.link) == [.object, .object, .linked])
        let objects = KernelPairs.objects(in: real.buildDirectory(KernelFixture.small, .annotated), subset: real.subset).count
        #expect(scoped.configs.map(\.objects) == [objects, objects, 1])
        let subset = try #require(subsetOnly.configs.first)
        for policy in Policy.allCases {
            #expect(scoped.configs[0].policies[policy] == subset.policies[policy], "\(policy): the subset keeps its numbers")
            #expect(scoped.configs[1].policies[policy] == subset.policies[policy], "\(policy): the tree is the subset here")
        }
        // The stand-in vmlinux: init.o's pair alone.
        let initOnly = KernelSetup(kernel: KernelFixture.kernel, files: real.files, cache: real.cache, source: nil,
                                   subset: real.subset, full: false)
        let pair = ObjectPair(annotated: initOnly.buildDirectory(KernelFixture.small, .annotated) + "/arch/x86/mm/init.o",
                              plain: initOnly.buildDirectory(KernelFixture.small, .plain) + "/arch/x86/mm/init.o", name: "init.o")
        let alone = StudyMeasurement.run([StudyUnit(configuration: KernelFixture.small.buildConfiguration, link: .linked,
                                                    pairs: [pair])],
                                         names: OpNames.firstNaming(paths: [pair.plain, pair.annotated]))
        #expect(scoped.configs[2].policies[.dataflow] == alone.configs.first?.policies[.dataflow])
        #expect((scoped.configs[2].policies[.dataflow]?.annotated ?? 0) > 0)
    }
}
