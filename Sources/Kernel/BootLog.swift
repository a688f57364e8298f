import Foundation

/// What a boot's serial log says: how it ended, and how many records the
/// kernel's own patcher applied (the line each version's plain-mode.patch
/// adds to alternative_instructions()). Read from the log alone, so a kept log can
/// be judged again later.
public struct BootLog: Sendable, Equatable {
    /// How a boot ended, the first of these the log shows.
    public enum Result: String, Codable, Sendable, CaseIterable {
        /// init ran the exercise to the end, and it passed.
        case booted
        /// `kernel BUG at` (apply_paravirt's BUG_ON(used > len) among others).
        case bug
        /// an oops (`Oops:`, a fault the kernel could not handle).
        case oops
        /// `Kernel panic - not syncing` with no BUG or oops before it (or
        /// Xen's own `Panic on CPU`).
        case panic
        /// Xen killed dom0 (`Domain 0 (vcpu#0) crashed`): a fault the guest
        /// had no handler for yet, or one Xen could not deliver.
        case dom0Crash = "dom0-crash"
        /// init ran, but the exercise reported a failed step.
        case exerciseFailed = "exercise-failed"
        /// QEMU stopped by itself with none of the above (a triple fault
        /// resets the machine, and -no-reboot ends QEMU).
        case reset
        /// the time limit stopped QEMU.
        case timeout
        /// no kernel to boot: linking the records failed (6.12: objtool
        /// cannot find the original instruction of an alternative that does
        /// not start one, and without its ORC tables vmlinux does not link).
        case linkFailed = "link-failed"
    }

    public let result: Result
    /// `pvsites: apply_paravirt applied N of M records` (6.1), `pvsites:
    /// apply_alternatives applied N of M direct-call records` (6.8 on): N;
    /// nil when the kernel never printed it (it stopped before, or its
    /// patch lacks it).
    public let applied: Int?
    /// M: the pv records in vmlinux (.parainstructions; since 6.8 the
    /// .altinstructions entries with ALT_FLAG_DIRECT_CALL).
    public let recordsInImage: Int?
    /// The lines that show the result (the BUG and the next few lines, the
    /// exercise's last line), for reports.
    public let evidence: [String]
    /// The kernel's `WARNING: CPU: ... at file:line function` lines, in
    /// order: a boot that got through can still have complained (with a
    /// scan's records, `apply_retpolines` finds the thunk calls objtool
    /// listed in `.retpoline_sites` already patched, and warns once).
    public let warnings: [String]

    /// The markers init and the exercise print (Kernels/boot/init, exercise.c).
    static let exerciseOK = "pvsites-exercise: ok"
    static let exerciseFailed = "pvsites-exercise: FAILED"
    /// The applied line's opening, by the patcher that prints it.
    static let appliedPrefixes = ["pvsites: apply_paravirt applied ", "pvsites: apply_alternatives applied "]

    public init(text: String, timedOut: Bool) {
        // A serial console ends lines with "\r\n", one Character in Swift.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        var applied: Int?
        var inImage: Int?
        for l in lines {
            guard let r = Self.appliedPrefixes.lazy.compactMap({ l.range(of: $0) }).first else { continue }
            let words = l[r.upperBound...].split(separator: " ")
            if words.count >= 3 { applied = Int(words[0]); inImage = Int(words[2]) }
        }
        self.applied = applied
        self.recordsInImage = inImage
        warnings = lines.compactMap { l in l.range(of: "WARNING: CPU: ").map { String(l[$0.lowerBound...]) } }
        func first(_ markers: [String]) -> Int? { lines.firstIndex { l in markers.contains { l.contains($0) } } }
        let bug = first(["kernel BUG at", "BUG: kernel NULL pointer"]) 
        let oops = first(["Oops:", "general protection fault", "BUG: unable to handle", "invalid opcode:"])
        let panic = first(["Kernel panic - not syncing", "(XEN) Panic on CPU"])
        let crash = first(["(XEN) d0v0 Unhandled", "(XEN) domain_crash_sync", "(XEN) Domain 0 (vcpu#", "(XEN) Hardware Dom0 crashed"])
        let ok = first([Self.exerciseOK])
        let failed = first([Self.exerciseFailed])
        // The earliest failure wins: an oops after a BUG is its consequence.
        let failures: [(Result, Int)] = [(.bug, bug), (.oops, oops), (.panic, panic), (.dom0Crash, crash)]
            .compactMap { r, i in i.map { (r, $0) } }
        if let (r, i) = failures.min(by: { $0.1 < $1.1 }) {
            result = r
            let shown = Array(lines[i ..< min(lines.count, i + 6)])
            // Xen's register dump puts the guest's RIP further down.
            let rip = r == .dom0Crash ? lines[i...].first { $0.hasPrefix("(XEN) RIP:") } : nil
            evidence = shown + (rip.map { shown.contains($0) ? [] : [$0] } ?? [])
        } else if let i = failed {
            result = .exerciseFailed
            evidence = lines[..<i].filter { $0.contains("FAILED") } + [lines[i]]
        } else if let i = ok {
            result = .booted
            evidence = [lines[i]]
        } else {
            result = timedOut ? .timeout : .reset
            evidence = Array(lines.filter { !$0.isEmpty }.suffix(3))
        }
    }
}
