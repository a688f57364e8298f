import Foundation
import Testing
import TestSupport
@testable import Kernel

/// `kernel boot --record` merges a run into the committed boots: the same
/// (configuration, mode, policy) is replaced, the rest kept, in the order
/// control, form, its policies; a file that is not a boot result is one
/// error naming it.
struct BootResultsTests {
    static func entry(_ kernel: String, _ mode: String, _ policy: String?, _ result: BootLog.Result) -> KernelBoot.Entry {
        KernelBoot.Entry(kernel: kernel, mode: mode, policy: policy, records: 1, scanRecords: nil, refused: nil,
                         alreadyAnnotated: nil, check: nil, textUnchanged: nil, applied: nil, result: result,
                         seconds: 1, log: "/dev/null", evidence: [], image: "bzImage")
    }

    @Test func aRunReplacesItsOwnBootsAndKeepsTheOthers() throws {
        let on = "6.1 gcc -O2 retpoline on", off = "6.1 gcc -O2 retpoline off"
        let old = BootResults(kernel: "Linux 6.1", qemu: "tcg", tool: nil, boots: [
            Self.entry(on, "annotated", nil, .booted), Self.entry(on, "plain", "naive", .booted),
            Self.entry(on, "plain", nil, .booted),
        ])
        let new = BootResults(kernel: "Linux 6.1", qemu: "tcg", tool: .init(version: "v", command: "c", date: "d"), boots: [
            Self.entry(on, "plain", "naive", .timeout), Self.entry(off, "plain", "dataflow", .booted),
            Self.entry(off, "annotated", nil, .booted),
        ])
        let merged = old.merging(new)
        #expect(merged.boots.map { "\($0.kernel)|\($0.mode)|\($0.policy ?? "-")|\($0.result.rawValue)" } == [
            "\(off)|annotated|-|booted", "\(off)|plain|dataflow|booted",
            "\(on)|annotated|-|booted", "\(on)|plain|-|booted", "\(on)|plain|naive|timeout",
        ])
        #expect(merged.tool?.version == "v")
        // Round trip through the file.
        let path = Fixtures.scratchPath("boots.json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try JSONEncoder().encode(merged).write(to: URL(fileURLWithPath: path))
        #expect(try BootResults.load(path)?.boots.count == 5)
        #expect(try BootResults.load(path + ".missing") == nil)
        try Data("{\"schema\": 1}".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: KernelError.self) { try BootResults.load(path) }
    }
}
