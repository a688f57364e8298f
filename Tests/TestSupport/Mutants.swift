/// Deterministic mutants of a real ELF64 object, for the mutation test:
/// truncations, and bytes flipped or overwritten with boundary values in
/// the ELF header, the section header table, the symbol table, relocation
/// sections, annotated-site records and code. The same seed gives the same
/// mutants on every machine.
public enum Mutants {
    /// Where a mutant was changed.
    public enum Region: String, CaseIterable, Sendable {
        case truncation, header, sectionHeaders, symbolTable, relocations, records, code
    }

    public struct Mutant: Sendable {
        public let region: Region
        /// `records +0x1a: byte 0x41 -> 0xff`, for a failure message.
        public let change: String
        public let bytes: [UInt8]

        public init(region: Region, change: String, bytes: [UInt8]) {
            self.region = region
            self.change = change
            self.bytes = bytes
        }
    }

    /// `count` mutants of `original`, spread over the regions the file has.
    public static func make(_ original: [UInt8], count: Int, seed: UInt64) -> [Mutant] {
        var rng = SplitMix64(seed: seed)
        let extents = regions(of: original)
        var out: [Mutant] = []
        out.reserveCapacity(count)
        let available = Region.allCases.filter { $0 == .truncation || !(extents[$0] ?? []).isEmpty }
        for i in 0 ..< count {
            let region = available[i % available.count]
            if region == .truncation {
                out.append(truncate(original, extents: extents, rng: &rng))
            } else {
                var m = overwrite(original, region: region, ranges: extents[region]!, rng: &rng)
                // One in four gets one or two more changes, anywhere: damage
                // that single changes cannot combine (a size and an offset).
                if rng.next() % 4 == 0 {
                    let regions = Array(extents.keys).sorted { $0.rawValue < $1.rawValue }
                    for _ in 0 ... rng.next() % 2 {
                        let other = regions[Int(rng.next() % UInt64(regions.count))]
                        let more = overwrite(m.bytes, region: other, ranges: extents[other]!, rng: &rng)
                        m = Mutant(region: region, change: m.change + "; " + more.change, bytes: more.bytes)
                    }
                }
                out.append(m)
            }
        }
        return out
    }

    /// The byte ranges of each region in `bytes` (empty when absent).
    public static func regions(of bytes: [UInt8]) -> [Region: [Range<Int>]] {
        var r: [Region: [Range<Int>]] = [:]
        guard bytes.count >= 64 else { return [.header: [0 ..< bytes.count]] }
        r[.header] = [0 ..< 64]
        let elf = ELFBytes(bytes: bytes)
        let shoff = elf.sectionHeaderOffset, n = elf.sectionCount
        guard shoff > 0, shoff + n * 64 <= bytes.count else { return r }
        r[.sectionHeaders] = [shoff ..< shoff + n * 64]
        for i in 1 ..< n {
            let type = elf.sectionType(i)
            let off = elf.sectionFileOffset(i), size = elf.sectionSize(i)
            guard type != 8, size > 0, off + size <= bytes.count else { continue }
            let range = off ..< off + size
            let flags = elf.read(elf.sectionHeader(i) + 8, as: UInt64.self)
            let name = elf.sectionName(i)
            switch type {
            case 2: r[.symbolTable, default: []].append(range)
            case 4, 9: r[.relocations, default: []].append(range)
            default:
                if name == ".parainstructions" || name == ".altinstructions" {
                    r[.records, default: []].append(range)
                } else if flags & 4 != 0 {
                    r[.code, default: []].append(range)
                }
            }
        }
        return r
    }

    /// Cut at a random length, or just before or after a region boundary.
    private static func truncate(_ original: [UInt8], extents: [Region: [Range<Int>]],
                                 rng: inout SplitMix64) -> Mutant {
        var cut: Int
        // In region order: a dictionary's own order differs from one
        // instance to the next, and the same seed must give the same cut.
        let bounds = extents.sorted { $0.key.rawValue < $1.key.rawValue }
            .flatMap { $0.value.flatMap { [$0.lowerBound, $0.upperBound] } }
        if !bounds.isEmpty, rng.next() % 2 == 0 {
            let b = bounds[Int(rng.next() % UInt64(bounds.count))]
            cut = b + Int(rng.next() % 17) - 8
        } else {
            cut = Int(rng.next() % UInt64(original.count))
        }
        cut = min(max(cut, 0), original.count - 1)
        return Mutant(region: .truncation, change: "truncated to \(cut) of \(original.count) bytes",
                      bytes: Array(original.prefix(cut)))
    }

    /// Values that find off-by-ones and overflows in size and offset fields.
    private static func boundaryValues(fileSize: Int) -> [UInt64] {
        [0, 1, 2, 7, 8, 0x10, 0x18, 0x40, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0xff00, 0x7fff_ffff, 0x8000_0000,
         0xffff_ffff, 0x1_0000_0000, 0x7fff_ffff_ffff_ffff, 0x8000_0000_0000_0000, .max, .max - 1, .max - 7,
         UInt64(fileSize), UInt64(fileSize) - 1, UInt64(fileSize) + 1, UInt64(fileSize) / 2]
    }

    /// One change inside `ranges`: a byte flipped, a byte set, or a field
    /// (2, 4 or 8 bytes, aligned) overwritten with a boundary value.
    private static func overwrite(_ original: [UInt8], region: Region, ranges: [Range<Int>],
                                  rng: inout SplitMix64) -> Mutant {
        var bytes = original
        let range = ranges[Int(rng.next() % UInt64(ranges.count))]
        let at = range.lowerBound + Int(rng.next() % UInt64(range.count))
        let name = "\(region.rawValue) +\(String(at - range.lowerBound, radix: 16))"
        switch rng.next() % 4 {
        case 0:
            let old = bytes[at]
            bytes[at] ^= UInt8(truncatingIfNeeded: 1 << (rng.next() % 8))
            return Mutant(region: region, change: "\(name): bit flip \(old) -> \(bytes[at])", bytes: bytes)
        case 1:
            let old = bytes[at]
            bytes[at] = [0x00, 0xff, 0x7f, 0x80, 0x01, UInt8(truncatingIfNeeded: rng.next())][Int(rng.next() % 6)]
            return Mutant(region: region, change: "\(name): byte \(old) -> \(bytes[at])", bytes: bytes)
        default:
            let width = [2, 4, 8][Int(rng.next() % 3)]
            let start = max(range.lowerBound, at - (at - range.lowerBound) % width)
            let values = boundaryValues(fileSize: original.count)
            let v = values[Int(rng.next() % UInt64(values.count))]
            for k in 0 ..< width where start + k < bytes.count {
                bytes[start + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k)))
            }
            return Mutant(region: region, change: "\(name): \(width)-byte field = 0x\(String(v, radix: 16))",
                          bytes: bytes)
        }
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a small seeded generator, so
/// mutants do not depend on the platform's random source.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
