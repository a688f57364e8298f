import Study

/// The boot proof in the report: for each kernel configuration booted, one
/// sentence for the verdict and a line under the objections, saying what
/// the kernel's own patcher did with each policy's records and how the
/// boot ended (under QEMU, and as Xen's dom0 where it was booted so).
/// Objection 1 is naive's records (the 2007 proposal taken literally);
/// objection 2 is the records of the policy that finds the sites, cut to
/// the calls at least 5 bytes long.
public struct BootProof: Sendable {
    public struct Group: Sendable {
        /// `6.1 gcc -O2 retpoline on`.
        public let kernel: String
        public let boots: [BootEvidence]
        public let recorded: Bool
    }

    public let groups: [Group]

    public init(_ boots: [BootEvidence]) {
        var kernels: [String] = []
        for b in boots where !kernels.contains(b.kernel) { kernels.append(b.kernel) }
        // retpolines off before on, as the verdict's Linux sentences.
        kernels.sort { ($0.hasSuffix(" on") ? 1 : 0, $0) < ($1.hasSuffix(" on") ? 1 : 0, $1) }
        groups = kernels.map { k in
            let list = boots.filter { $0.kernel == k }
            return Group(kernel: k, boots: list, recorded: list.allSatisfy(\.recorded))
        }
    }

    /// `booted`, `hung (timeout 120 s)`, `oops`, ... with warnings.
    static func outcome(_ b: BootEvidence) -> String {
        var out: String
        switch b.result {
        case "booted": out = "booted and ran the exercise"
        case "timeout": out = "hung (cut at \(Int(b.seconds)) s)"
        default: out = "ended in \(b.result)"
        }
        if !b.warnings.isEmpty { out += " with \(b.warnings.count) kernel WARNING\(b.warnings.count == 1 ? "" : "s")" }
        return out
    }

    /// `Linux 6.1 gcc -O2 retpolines on, booted under QEMU: ...`.
    public func sentences() -> [String] {
        groups.map { g in
            let scope = "Linux " + g.kernel.replacingOccurrences(of: "retpoline ", with: "retpolines ")
            var parts: [String] = []
            for b in g.boots where b.hypervisor == "none" && b.policy != nil {
                var p = "with \(b.policy!)'s \(b.records) records"
                p += b.applied.map { " (\($0) applied)" } ?? ""
                p += " it " + Self.outcome(b)
                parts.append(p)
            }
            let xen = g.boots.filter { $0.hypervisor == "xen" && $0.policy != nil }
            var text = "\(scope), whole kernel booted under QEMU\(g.recorded ? " (recorded)" : ""): "
                + (parts.isEmpty ? "no scan's records booted" : parts.joined(separator: "; "))
            if !xen.isEmpty {
                text += "; as Xen dom0: " + xen.map { "\($0.policy!) \($0.result)" }.joined(separator: ", ")
            }
            return text + "."
        }
    }

    /// Under the objections: `1,2 boot, 6.1 gcc -O2 retpoline on: naive
    /// 3558 records: timeout; dataflow 2976 (2976 applied): booted`.
    public func objectionLines() -> [String] {
        groups.map { g in
            let bare = g.boots.filter { $0.hypervisor == "none" && $0.policy != nil }
            let list = bare.map { b in
                "\(b.policy!) \(b.records) records" + (b.applied.map { " (\($0) applied)" } ?? "") + ": \(b.result)"
                    + (b.warnings.isEmpty ? "" : " +\(b.warnings.count) WARN")
            }
            return "1,2 boot, \(g.kernel): " + list.joined(separator: "; ")
        }
    }
}
