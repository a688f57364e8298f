import Foundation
import Reports
import Study
import Testing
import TestSupport

/// The boot proof's sentence and objection line say, for each policy booted
/// on QEMU's machine, the records in the image, how many the kernel's
/// patcher applied and how the boot ended, as the recorded boots
/// (`Kernels/results/boots/6.1.json`, `pvsites kernel boot --record`) have
/// them; Xen's dom0 boots are named apart.
struct BootProofTests {
    static let file = Fixtures.repositoryRoot + "/Kernels/results/boots/6.1.json"

    static func evidence() throws -> [BootEvidence] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let boots = try #require(json["boots"] as? [[String: Any]])
        return boots.map { b in
            BootEvidence(kernel: b["kernel"] as! String, mode: b["mode"] as! String, policy: b["policy"] as? String,
                         hypervisor: b["hypervisor"] as? String ?? "none", records: b["records"] as! Int,
                         refused: nil, simulatorFailed: nil, applied: b["applied"] as? Int,
                         result: b["result"] as! String, seconds: b["seconds"] as! Double, recorded: true,
                         evidence: (b["evidence"] as? [String])?.last, warnings: b["warnings"] as? [String] ?? [])
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: file), "no recorded boots at Kernels/results/boots/6.1.json"))
    func sentencesStateTheRecordedBoots() throws {
        let boots = try Self.evidence()
        let proof = BootProof(boots)
        let sentences = proof.sentences(), lines = proof.objectionLines()
        #expect(sentences.count == proof.groups.count && lines.count == proof.groups.count)
        for (g, (sentence, line)) in zip(proof.groups, zip(sentences, lines)) {
            for b in g.boots where b.policy != nil && b.hypervisor == "none" {
                let records = "\(b.policy!)'s \(b.records) records"
                #expect(sentence.contains(records), "\(sentence)")
                #expect(line.contains("\(b.policy!) \(b.records) records"), "\(line)")
                if let applied = b.applied { #expect(sentence.contains("\(records) (\(applied) applied)"), "\(sentence)") }
                #expect(line.contains(b.result), "\(line)")
            }
            for b in g.boots where b.policy != nil && b.hypervisor == "xen" {
                #expect(sentence.contains("\(b.policy!) \(b.result)"), "\(sentence)")
            }
            // Each form's boots are said under its name, in order: the
            // plain kernel's records are not the direct kernel's.
            for form in Set(g.boots.map(\.mode)).subtracting(["annotated"]) {
                let bare = g.boots.filter { $0.policy != nil && $0.hypervisor == "none" && $0.mode == form }
                guard !bare.isEmpty else { continue }
                let said = bare.map { "with \($0.policy!)'s \($0.records) records" }
                let start = try #require(sentence.range(of: "\(form) kernel with"), "\(form): \(sentence)")
                var at = start.upperBound
                for s in said.dropFirst() {
                    let r = try #require(sentence.range(of: s, range: at ..< sentence.endIndex), "\(form): \(s) in \(sentence)")
                    at = r.upperBound
                }
                #expect(line.contains("\(form): \(bare[0].policy!) \(bare[0].records) records"), "\(line)")
            }
            // Every sentence fits the verdict: it names its scope and unit.
            #expect(sentence.hasPrefix("Linux \(g.kernel.split(separator: " ").first ?? "")"))
            #expect(sentence.contains("records"))
        }
    }
}
