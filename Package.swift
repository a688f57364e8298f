// swift-tools-version:6.0
import PackageDescription

// One module per concept, arrows only down (README, "Layout"):
//   Concurrency                the process-wide worker pool (no C, no ELF)
//   ELF, X86, DebugInfo        the only modules that import C
//   SiteModel                  the nouns both strategies share
//   MacroSites, RelocSites     the two strategies; never import each other
//   Compare                    outcomes and causes
//   CorpusBuild                corpus configuration, toolchains, builder, cache,
//                              and Subprocess, the one process runner (Kernel's too)
//   Records                    .parainstructions records made from a scan, and a patch simulator
//   Pipeline                   both strategies and every policy, once per input
//                              or pair; the per-pair measurement (StudyMeasurement,
//                              with Records' patchable count)
//   Kernel                     the Linux A/B: source, plain patch, builds, pairs
//                              (below Study: it imports Pipeline, never Study)
//   Study, Reports, Gate       the study, its renderings, the coverage gate
//   pvsites                    thin CLI; the only module that prints
let package = Package(
    name: "pvsites",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pvsites", targets: ["pvsites"]),
        .executable(name: "pvsites-fuzz", targets: ["pvsites-fuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CElf", pkgConfig: "libdw", providers: [.apt(["libelf-dev", "libdw-dev"])]),
        .systemLibrary(name: "CCapstone", pkgConfig: "capstone", providers: [.apt(["libcapstone-dev"])]),
        .systemLibrary(name: "CCompression", providers: [.apt(["liblzma-dev", "libzstd-dev", "zlib1g-dev"])]),
        .target(name: "Concurrency"),
        .target(name: "ELF", dependencies: ["CCompression", "CElf"]),
        .target(name: "X86", dependencies: ["CCapstone", "ELF"]),
        .target(name: "DebugInfo", dependencies: ["CElf", "ELF"]),
        .target(name: "SiteModel", dependencies: ["DebugInfo", "ELF"]),
        .target(name: "MacroSites", dependencies: ["DebugInfo", "ELF", "SiteModel", "X86"]),
        .target(name: "RelocSites", dependencies: ["Concurrency", "DebugInfo", "ELF", "SiteModel", "X86"]),
        .target(name: "Compare", dependencies: ["DebugInfo", "ELF", "RelocSites", "SiteModel"]),
        .target(name: "CorpusBuild", dependencies: ["Concurrency", "ELF"]),
        .target(name: "Pipeline", dependencies: ["Compare", "Concurrency", "CorpusBuild", "DebugInfo", "ELF", "MacroSites", "Records", "RelocSites", "SiteModel", "X86"]),
        .target(name: "Study", dependencies: ["Compare", "CorpusBuild", "DebugInfo", "ELF", "MacroSites", "Pipeline", "RelocSites", "SiteModel", "X86"]),
        .target(name: "Reports", dependencies: ["Compare", "ELF", "MacroSites", "Pipeline", "RelocSites", "SiteModel", "Study"]),
        .target(name: "Gate", dependencies: ["Compare", "CorpusBuild", "ELF", "Pipeline", "RelocSites", "Study"]),
        .target(name: "Records", dependencies: ["ELF", "MacroSites", "RelocSites", "SiteModel", "X86"]),
        .target(name: "Kernel", dependencies: ["CorpusBuild", "ELF", "MacroSites", "Pipeline", "Records", "RelocSites", "SiteModel"]),
        .executableTarget(
            name: "pvsites",
            dependencies: [
                "MacroSites", "Pipeline", "RelocSites", "Study",
                "Reports", "Gate", "Kernel", "Records",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["VersionPlugin"]
        ),
        // `pvsites --version`: git describe of the package, at every build.
        .plugin(name: "VersionPlugin", capability: .buildTool()),
        // The libFuzzer target over the whole path; `make fuzz` builds it with
        // -sanitize=fuzzer,address. A plain build makes a replay tool of it.
        .executableTarget(name: "pvsites-fuzz", dependencies: ["ELF", "Pipeline"]),
        .target(name: "TestSupport", dependencies: ["CorpusBuild"], path: "Tests/TestSupport"),
        .testTarget(name: "ELFTests", dependencies: ["Concurrency", "ELF", "TestSupport", "X86"]),
        .testTarget(name: "X86Tests", dependencies: ["CorpusBuild", "ELF", "TestSupport", "X86"]),
        .testTarget(name: "DebugInfoTests", dependencies: ["DebugInfo", "ELF", "TestSupport"]),
        .testTarget(name: "SiteModelTests", dependencies: ["ELF", "RelocSites", "SiteModel", "TestSupport"]),
        .testTarget(name: "MacroSitesTests", dependencies: ["Concurrency", "ELF", "MacroSites", "SiteModel", "TestSupport", "X86"]),
        .testTarget(name: "RelocSitesTests", dependencies: ["Concurrency", "ELF", "RelocSites", "SiteModel", "TestSupport", "X86"]),
        .testTarget(name: "CompareTests", dependencies: ["Compare", "CorpusBuild", "DebugInfo", "ELF", "MacroSites", "Pipeline", "RelocSites", "SiteModel", "TestSupport"]),
        .testTarget(name: "CorpusBuildTests", dependencies: ["Concurrency", "CorpusBuild", "ELF", "MacroSites", "RelocSites", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["ELF", "MacroSites", "Pipeline", "TestSupport"]),
        .testTarget(name: "StudyTests", dependencies: ["Compare", "ELF", "Pipeline", "Reports", "Study", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Compare", "CorpusBuild", "Pipeline", "Reports", "Study", "TestSupport"], exclude: ["Golden"]),
        .testTarget(name: "GateTests", dependencies: ["CorpusBuild", "Gate", "Pipeline", "Reports", "SiteModel", "Study", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["CorpusBuild", "ELF", "Gate", "Kernel", "MacroSites", "Pipeline", "Records", "RelocSites", "Reports", "SiteModel", "Study", "TestSupport"]),
        .testTarget(name: "RecordsTests", dependencies: ["Compare", "CorpusBuild", "ELF", "MacroSites", "Pipeline", "Records", "RelocSites", "SiteModel", "TestSupport", "X86"]),
        .testTarget(name: "KernelTests", dependencies: ["ELF", "Gate", "Kernel", "MacroSites", "Pipeline", "RelocSites", "Study", "TestSupport"]),
    ]
)
