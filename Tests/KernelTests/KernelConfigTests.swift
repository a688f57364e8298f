import Testing
@testable import Kernel

@Suite struct KernelConfigTests {
    @Test(arguments: ["O2", "-O2", "Os", "-Os"]) func optSpellings(_ text: String) {
        #expect(KernelConfig.opt(text) == (text.hasSuffix("2") ? "-O2" : "-Os"))
    }

    @Test func unknownOpt() {
        #expect(KernelConfig.opt("-O3") == nil)
        #expect(KernelConfig.opt("fast") == nil)
    }

    @Test func namesAsBuildShDoes() {
        let c = KernelConfig(kernel: KernelFixture.kernel, compiler: "gcc", opt: "-O2", retpoline: true)
        #expect(c.buildDirectoryName(.annotated) == "6.1-gcc-O2-retpoline-on-annotated")
        #expect(c.buildDirectoryName(.plain, tag: "src-x-1") == "src-x-1-gcc-O2-retpoline-on-plain")
        #expect(c.buildConfiguration.variant == "linux-6.1-retpoline-on")
    }
}
