import Concurrency
import ELF

/// Runs one piece of work per input file, in parallel, keeping input order;
/// a file that fails becomes a `FileFailure` and the others go on.
public struct Batch<T: Sendable>: Sendable {
    public let results: [T]
    public let failures: [FileFailure]

    public init(paths: [String], _ work: @Sendable (ObjectFile) throws -> T) {
        let outcomes = WorkerPool.map(paths) { path -> Result<T, FileFailure> in
            do { return .success(try work(try ObjectFile(path: path))) }
            catch { return .failure(FileFailure(path: path, error: error)) }
        }
        var results: [T] = [], failures: [FileFailure] = []
        for o in outcomes {
            switch o {
            case .success(let r): results.append(r)
            case .failure(let f): failures.append(f)
            }
        }
        self.results = results
        self.failures = failures
    }
}
