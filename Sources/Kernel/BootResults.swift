import Foundation
import Pipeline

/// The boots of one kernel version, as a file: `kernel boot --format json`
/// writes one, a copy goes to `<cache>/results/boot-<version>.json` after
/// every run, and `kernel boot --record` merges the run into the committed
/// `Kernels/results/boots/<version>.json` (its own directory: the study
/// reads every `.json` of `Kernels/results/` as a kernel study). A boot is
/// keyed by kernel configuration, hypervisor, mode and policy: a run replaces the
/// entries it booted again and keeps the others, so configurations booted
/// on different days add up in one file.
public struct BootResults: Codable, Sendable {
    public var schema = 1
    /// `Linux 6.1`.
    public let kernel: String
    /// The QEMU accelerator and kernel command line.
    public let qemu: String
    /// pvsites version, command line and date of the run (of the last run
    /// for a merged file).
    public var tool: RunStamp?
    public var boots: [KernelBoot.Entry]

    public init(kernel: String, qemu: String, tool: RunStamp?, boots: [KernelBoot.Entry]) {
        self.kernel = kernel
        self.qemu = qemu
        self.tool = tool
        self.boots = boots
    }

    /// `<cache>/results/boot-6.1.json`: this machine's latest boots.
    public static func localFile(cache: String, version: String) -> String {
        "\(cache)/results/boot-\(version).json"
    }

    /// `Kernels/results/boots/6.1.json`: the committed boots.
    public static func recordedFile(kernels: String, version: String) -> String {
        "\(kernels)/results/boots/\(version).json"
    }

    /// Reads a file; nil when it is missing, an error when it is not one.
    public static func load(_ path: String) throws -> BootResults? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do { return try JSONDecoder().decode(BootResults.self, from: data) } catch {
            throw KernelError.badResults("\(path): not a kernel boot result (\(error))")
        }
    }

    /// What identifies a boot across runs: configuration, hypervisor, mode
    /// and policy.
    public static func key(_ e: KernelBoot.Entry) -> String {
        "\(e.kernel)|\(e.hypervisor.rawValue)|\(e.mode)|\(e.policy ?? "")"
    }

    /// `self` with `newer`'s boots in place of the same (kernel, mode,
    /// policy), and its own otherwise; ordered by kernel configuration,
    /// then the annotated control, each form without records, its policies.
    public func merging(_ newer: BootResults) -> BootResults {
        let replaced = Set(newer.boots.map(Self.key))
        let all = boots.filter { !replaced.contains(Self.key($0)) } + newer.boots
        let modes = ["annotated", "plain", "direct"], policies = ["", "naive", "decoded", "dataflow"]
        func rank(_ e: KernelBoot.Entry) -> (String, String, Int, Int) {
            (e.kernel, e.hypervisor.rawValue, modes.firstIndex(of: e.mode) ?? modes.count,
             policies.firstIndex(of: e.policy ?? "") ?? policies.count)
        }
        var merged = BootResults(kernel: newer.kernel, qemu: newer.qemu, tool: newer.tool,
                                 boots: all.sorted { rank($0) < rank($1) })
        merged.schema = newer.schema
        return merged
    }
}
