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
        // By version, then retpolines off before on, as the verdict's
        // Linux sentences.
        let version = { (k: String) in LinuxResult.versionOrder(String(k.prefix { $0 != " " })) }
        kernels.sort { (version($0), $0.hasSuffix(" on") ? 1 : 0, $0) < (version($1), $1.hasSuffix(" on") ? 1 : 0, $1) }
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
        case "link-failed": out = "did not link (no kernel to boot)"
        default: out = "ended in \(b.result)"
        }
        if !b.warnings.isEmpty { out += " with \(b.warnings.count) kernel WARNING\(b.warnings.count == 1 ? "" : "s")" }
        return out
    }

    /// The unannotated forms booted in a group, plain first: each form's
    /// kernel is its own build, so its records are said apart.
    static func forms(_ boots: [BootEvidence]) -> [String] {
        var out: [String] = []
        for b in boots where b.mode != "annotated" && !out.contains(b.mode) { out.append(b.mode) }
        return out.sorted { ($0 == "plain" ? 0 : 1, $0) < ($1 == "plain" ? 0 : 1, $1) }
    }

    /// The boots of one form with a scan's records, on bare QEMU (`none`) or
    /// under a hypervisor.
    static func withRecords(_ boots: [BootEvidence], form: String, hypervisor: String = "none") -> [BootEvidence] {
        boots.filter { $0.hypervisor == hypervisor && $0.policy != nil && $0.mode == form }
    }

    /// `Linux 6.1 gcc -O2 retpolines on, whole kernel booted under QEMU:
    /// plain kernel with naive's 3558 records it hung ...; direct kernel ...`.
    public func sentences() -> [String] {
        groups.map { g in
            let scope = "Linux " + g.kernel.replacingOccurrences(of: "retpoline ", with: "retpolines ")
            var parts: [String] = []
            for form in Self.forms(g.boots) {
                let bare = Self.withRecords(g.boots, form: form)
                guard !bare.isEmpty else { continue }
                parts.append("\(form) kernel " + bare.map { b in
                    "with \(b.policy!)'s \(b.records) records" + (b.applied.map { " (\($0) applied)" } ?? "")
                        + " it " + Self.outcome(b)
                }.joined(separator: ", "))
            }
            var text = "\(scope), whole kernel booted under QEMU\(g.recorded ? " (recorded)" : ""): "
                + (parts.isEmpty ? "no scan's records booted" : parts.joined(separator: "; "))
            let xen = Self.forms(g.boots).compactMap { form -> String? in
                let list = Self.withRecords(g.boots, form: form, hypervisor: "xen")
                return list.isEmpty ? nil : "\(form) " + list.map { "\($0.policy!) \($0.result)" }.joined(separator: ", ")
            }
            if !xen.isEmpty { text += "; as Xen dom0: " + xen.joined(separator: "; ") }
            return text + "."
        }
    }

    /// Under the objections: `1,2 boot, 6.1 gcc -O2 retpoline on: plain:
    /// naive 3558 records: timeout; dataflow 2976 (2976 applied): booted`.
    public func objectionLines() -> [String] {
        groups.map { g in
            let forms = Self.forms(g.boots).compactMap { form -> String? in
                let bare = Self.withRecords(g.boots, form: form)
                guard !bare.isEmpty else { return nil }
                return "\(form): " + bare.map { b in
                    "\(b.policy!) \(b.records) records" + (b.applied.map { " (\($0) applied)" } ?? "") + ": \(b.result)"
                        + (b.warnings.isEmpty ? "" : " +\(b.warnings.count) WARN")
                }.joined(separator: ", ")
            }
            return "1,2 boot, \(g.kernel): " + forms.joined(separator: "; ")
        }
    }
}
