import ObjectFile

/// Runs `body` over `items` on the process's worker pool (bounded by the
/// cores, shared with the parallel work inside one big file), and returns
/// the results in the order of `items`, so that output stays deterministic.
public func parallelMap<T, R>(_ items: [T], maxConcurrency: Int = ProcessInfoCores.count,
                              _ body: @Sendable (T) -> R) -> [R] where T: Sendable, R: Sendable {
    WorkerPool.map(items, maxConcurrency: maxConcurrency, body)
}

public enum ProcessInfoCores {
    public static var count: Int { WorkerPool.cores }
}
