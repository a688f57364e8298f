import ELF
import RelocSites

/// `pvsites reloc`'s analysis: one policy's relocation scan of each file,
/// read in parallel (input order kept).
public struct RelocBatch: Sendable {
    public let policy: Policy
    public let scans: [RelocScan]
    public let failures: [FileFailure]

    public init(paths: [String], options: RelocOptions) {
        let batch = Batch(paths: paths) { try RelocScan(file: $0, options: options) }
        policy = options.policy
        scans = batch.results
        failures = batch.failures
    }
}
