import Foundation

/// FNV-1a over bytes: enough to key a build cache (not a security hash).
public struct ContentHash: Sendable {
    private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ bytes: some Sequence<UInt8>) {
        for b in bytes { state = (state ^ UInt64(b)) &* 0x100_0000_01b3 }
        // A separator, so that ["ab", "c"] and ["a", "bc"] differ.
        state = (state ^ 0xff) &* 0x100_0000_01b3
    }

    public mutating func add(_ string: String) { add(string.utf8) }

    public var hex: String {
        let s = String(state, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }
}
