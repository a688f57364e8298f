#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Runs `body` over `items` on a pool bounded by the cores, and returns the
/// results in the order of `items`, so that output stays deterministic.
public func parallelMap<T, R>(_ items: [T], maxConcurrency: Int = ProcessInfoCores.count,
                              _ body: @Sendable (T) -> R) -> [R] where T: Sendable, R: Sendable {
    guard items.count > 1, maxConcurrency > 1 else { return items.map(body) }
    let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
    results.initialize(repeating: nil)
    defer { results.deallocate() }
    nonisolated(unsafe) let slots = results
    // Workers take the next index from a shared counter: big files do not
    // leave a core idle behind them.
    let next = Counter()
    DispatchQueue.concurrentPerform(iterations: min(maxConcurrency, items.count)) { _ in
        while true {
            let i = next.increment()
            if i >= items.count { break }
            slots[i] = body(items[i])
        }
    }
    return results.map { $0! }
}

public enum ProcessInfoCores {
    public static let count: Int = {
        #if canImport(Glibc)
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        #else
        return 2
        #endif
    }()
}

import Synchronization

final class Counter: Sendable {
    private let value = Atomic<Int>(0)
    func increment() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
