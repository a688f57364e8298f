import Synchronization

/// Counts jobs done across workers, for progress lines.
public final class ProgressCounter: Sendable {
    private let value = Atomic<Int>(0)
    public init() {}
    /// One more done; returns how many are done now.
    public func next() -> Int { value.add(1, ordering: .relaxed).newValue }
}
