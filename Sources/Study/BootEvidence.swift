/// One boot of the boot proof (`pvsites kernel boot`), as the study report
/// cites it beside the objections: which kernel, with whose records, what
/// the kernel's own patcher applied and what happened. Made from the
/// recorded boots (`Kernels/results/boots/<version>.json`) or this
/// machine's newer ones; `recorded` says which.
public struct BootEvidence: Codable, Sendable, Hashable {
    /// The kernel configuration: `6.1 gcc -O2 retpoline on`.
    public let kernel: String
    /// `annotated`, `plain` or `direct`.
    public let mode: String
    /// The policy whose records the image carries; nil: the tree as built.
    public let policy: String?
    /// `none` (QEMU's machine) or `xen` (the kernel as Xen's dom0, where
    /// pv_ops hold Xen's functions).
    public let hypervisor: String
    /// Records in the booted image's `.parainstructions`.
    public let records: Int
    /// Scan sites refused a record, all reasons together (nil: no scan).
    public let refused: Int?
    /// Records the patch simulator failed (nil: no scan).
    public let simulatorFailed: Int?
    /// `apply_paravirt applied N`, when the kernel printed it.
    public let applied: Int?
    /// `booted`, `bug`, `oops`, `panic`, `exercise-failed`, `reset`, `timeout`.
    public let result: String
    public let seconds: Double
    public let recorded: Bool
    /// The serial log's line that shows the result (the last one for a hang).
    public let evidence: String?
    /// The kernel's WARNING lines (`WARNING: CPU: 0 PID: 0 at file:line fn`).
    public let warnings: [String]

    public init(kernel: String, mode: String, policy: String?, hypervisor: String, records: Int, refused: Int?, simulatorFailed: Int?,
                applied: Int?, result: String, seconds: Double, recorded: Bool, evidence: String?,
                warnings: [String] = []) {
        self.kernel = kernel
        self.mode = mode
        self.policy = policy
        self.hypervisor = hypervisor
        self.records = records
        self.refused = refused
        self.simulatorFailed = simulatorFailed
        self.applied = applied
        self.result = result
        self.seconds = seconds
        self.recorded = recorded
        self.evidence = evidence
        self.warnings = warnings
    }

    enum CodingKeys: String, CodingKey {
        case kernel, mode, policy, hypervisor, records, refused, applied, result, seconds, recorded, evidence, warnings
        case simulatorFailed = "simulator_failed"
    }

    /// `plain + dataflow`, `annotated`.
    public var name: String {
        mode + (policy.map { " + \($0)" } ?? "") + (hypervisor == "xen" ? " (Xen dom0)" : "")
    }

    /// One line: `plain + dataflow: 2976 records, 2976 applied: booted (7.0 s)`.
    public var line: String {
        var out = "\(name): \(records) records"
        if let simulatorFailed, simulatorFailed > 0 { out += " (\(simulatorFailed) fail the simulator)" }
        out += applied.map { ", \($0) applied" } ?? ", none applied"
        out += ": \(result)" + (result == "timeout" ? " after \(Int(seconds)) s" : " (\(seconds) s)")
        if !warnings.isEmpty { out += ", \(warnings.count) WARNING\(warnings.count == 1 ? "" : "s")" }
        return out
    }
}
