import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One pool of workers for the whole process, as many as there are cores.
///
/// Work is parallel at two levels: over files (a module tree), and inside
/// one big file (the references of a vmlinux, in chunks). Both ask this
/// pool for helpers; the thread that asks always works too, and helpers are
/// granted only while cores are free. So a chunked scan inside a batch of
/// files runs serially on its file's worker, and the same scan of one big
/// file gets every core: never more threads busy than cores.
///
/// Results come back in the order of the input, whatever thread computed
/// them, so output stays deterministic.
public enum WorkerPool {
    /// The CPUs this process may run on (its affinity mask, so `taskset`
    /// is honoured; else the cores online), at least 1. `PVSITES_JOBS`
    /// overrides it.
    public static let cores: Int = {
        if let text = getenv("PVSITES_JOBS"), let n = Int(String(cString: text)), n > 0 { return n }
        if let n = allowedCPUs(), n > 0 { return n }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }()

    /// The number of CPUs in this process's affinity mask, from the
    /// `Cpus_allowed:` line of /proc/self/status (glibc's sched_getaffinity
    /// needs _GNU_SOURCE, which Swift's Glibc module does not define).
    private static func allowedCPUs() -> Int? {
        guard let f = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard text.hasPrefix("Cpus_allowed:") else { continue }
            var n = 0
            for c in text.dropFirst("Cpus_allowed:".count) {
                if let v = c.hexDigitValue { n += v.nonzeroBitCount }
            }
            return n
        }
        return nil
    }

    /// Helpers that may run besides the threads already working.
    private static let free = Atomic<Int>(cores - 1)

    /// Take up to `wanted` helpers; returns how many were granted.
    private static func reserve(_ wanted: Int) -> Int {
        guard wanted > 0 else { return 0 }
        var current = free.load(ordering: .relaxed)
        while current > 0 {
            let take = min(current, wanted)
            let (exchanged, now) = free.compareExchange(expected: current, desired: current - take,
                                                        ordering: .acquiringAndReleasing)
            if exchanged { return take }
            current = now
        }
        return 0
    }

    private static func release(_ n: Int) {
        if n > 0 { free.add(n, ordering: .releasing) }
    }

    /// `body` over `items`, results in input order, on the calling thread
    /// plus the helpers free now (at most `maxConcurrency` threads in all).
    /// Workers take the next index from a shared counter, so one slow item
    /// does not leave a core idle behind it.
    public static func map<T: Sendable, R: Sendable>(_ items: [T], maxConcurrency: Int = cores,
                                                     _ body: @Sendable (T) -> R) -> [R] {
        let helpers = items.count > 1 ? reserve(min(maxConcurrency, items.count) - 1) : 0
        guard helpers > 0 else { return items.map(body) }
        defer { release(helpers) }
        let results = UnsafeMutableBufferPointer<R?>.allocate(capacity: items.count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        nonisolated(unsafe) let slots = results
        let next = NextIndex()
        DispatchQueue.concurrentPerform(iterations: helpers + 1) { _ in
            while true {
                let i = next.take()
                if i >= items.count { break }
                slots[i] = body(items[i])
            }
        }
        return results.map { $0! }
    }

    /// Splits `count` items into about `pieces` contiguous ranges of
    /// similar size (fewer when there are few items).
    public static func ranges(count: Int, pieces: Int) -> [Range<Int>] {
        guard count > 0 else { return [] }
        let n = max(1, min(pieces, count))
        return (0 ..< n).map { k in (k * count / n) ..< ((k + 1) * count / n) }
    }
}

/// The shared "next item" counter of one `WorkerPool.map`.
private final class NextIndex: Sendable {
    private let value = Atomic<Int>(0)
    func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
