// swift-tools-version:6.0
import PackageDescription

// Layout and layering: ../shared/DESIGN.md. Only ObjectFile may import the
// C targets (CElf, CCapstone, CCompression); MacroSites and RelocSites never
// import each other; Compare is where they meet.
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
        .systemLibrary(
            name: "CElf",
            pkgConfig: "libdw",
            providers: [.apt(["libelf-dev", "libdw-dev"])]
        ),
        .systemLibrary(
            name: "CCapstone",
            pkgConfig: "capstone",
            providers: [.apt(["libcapstone-dev"])]
        ),
        .systemLibrary(
            name: "CCompression",
            providers: [.apt(["liblzma-dev", "libzstd-dev", "zlib1g-dev"])]
        ),
        .target(
            name: "ObjectFile",
            dependencies: ["CElf", "CCapstone", "CCompression"]
        ),
        // The nouns both strategies produce (Site, Op, ClobberSet, Finding):
        // a module of its own so that MacroSites and RelocSites share them
        // without importing each other.
        .target(name: "SiteModel", dependencies: ["ObjectFile"]),
        .target(name: "MacroSites", dependencies: ["ObjectFile", "SiteModel"]),
        .target(name: "RelocSites", dependencies: ["ObjectFile", "SiteModel"]),
        .target(name: "Compare", dependencies: ["ObjectFile", "SiteModel", "MacroSites", "RelocSites"]),
        .target(name: "Study", dependencies: ["ObjectFile", "SiteModel", "MacroSites", "RelocSites", "Compare"]),
        .executableTarget(
            name: "pvsites",
            dependencies: [
                "ObjectFile", "SiteModel", "MacroSites", "RelocSites", "Compare", "Study",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The libFuzzer target over the whole path; `make fuzz` builds it with
        // -sanitize=fuzzer,address. A plain build makes a replay tool of it.
        .executableTarget(name: "pvsites-fuzz", dependencies: ["ObjectFile", "Study"]),
        .target(name: "TestSupport", dependencies: ["ObjectFile", "Study"], path: "Tests/TestSupport"),
        .testTarget(name: "ObjectFileTests", dependencies: ["ObjectFile", "TestSupport"]),
        .testTarget(name: "SiteModelTests", dependencies: ["SiteModel", "TestSupport"]),
        .testTarget(name: "MacroSitesTests", dependencies: ["MacroSites", "TestSupport"]),
        .testTarget(name: "RelocSitesTests", dependencies: ["RelocSites", "Study", "TestSupport"]),
        .testTarget(name: "CompareTests", dependencies: ["Compare", "Study", "TestSupport"]),
        .testTarget(name: "StudyTests", dependencies: ["Study", "TestSupport"], exclude: ["Golden"]),
    ]
)
