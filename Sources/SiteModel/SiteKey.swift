import ELF

/// The one identity of a call site across builds, runs and machines: the
/// op's field offset and the inline chain of (file, line) at the site,
/// innermost first. Two builds of the same source give the same key for
/// the same call even when their code differs; the gate, cross-build
/// matching and the reports all use it. Columns are left out (the
/// annotated macro and the plain call start at different columns of the
/// same line), and so are op names (a DWARF naming change must not change
/// a key).
public struct SiteKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public struct Position: Sendable, Hashable {
        public let file: String
        public let line: Int

        public init(file: String, line: Int) {
            self.file = file
            self.line = line
        }
    }

    /// The op's field offset; -1 for references that carry no op (GOT
    /// loads, table addresses).
    public let op: Int64
    public let chain: [Position]
    /// `+0x128 @ paravirt.h:44 <- irq_loops.c:30`, file names shortened to
    /// their last component (`init?(_:)` reads it back as a portable key).
    /// Made when asked: most keys are only hashed.
    public var description: String { Self.text(op: op, chain: chain) }

    public init(op: Int64, chain: [Position]) {
        self.op = op
        self.chain = chain
    }

    public init(site: Site) {
        self.init(op: site.op.offset, chain: site.source.map { Position(file: $0.file, line: $0.line) })
    }

    /// `description`, written as bytes (keys are made by the thousand).
    private static func text(op: Int64, chain: [Position]) -> String {
        var bytes: [UInt8] = [UInt8(ascii: "+")]
        bytes.reserveCapacity(24 + 24 * chain.count)
        bytes.append(contentsOf: hex(op).utf8)
        bytes.append(contentsOf: " @ ".utf8)
        if chain.isEmpty { bytes.append(UInt8(ascii: "?")) }
        for i in chain.indices {
            if i > 0 { bytes.append(contentsOf: " <- ".utf8) }
            bytes.append(contentsOf: Self.lastComponent(chain[i].file).utf8)
            bytes.append(UInt8(ascii: ":"))
            bytes.append(contentsOf: String(chain[i].line).utf8)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The same op at the same innermost position: the second-chance key.
    public var innermost: SiteKey { chain.count <= 1 ? self : SiteKey(op: op, chain: Array(chain.prefix(1))) }

    /// The position alone, for references that carry no op.
    public var positionOnly: SiteKey { op == -1 ? self : SiteKey(op: -1, chain: chain) }

    /// The key with file names reduced to their last component: what is
    /// kept across machines (the gate's baseline, the study JSON), where the
    /// full paths of one checkout mean nothing.
    public var portable: SiteKey {
        SiteKey(op: op, chain: chain.map { Position(file: String(Self.lastComponent($0.file)), line: $0.line) })
    }

    /// A file name's last component (`split(separator: "/").last`, without
    /// splitting the whole path: keys are made by the thousand).
    static func lastComponent(_ file: String) -> Substring {
        guard file.utf8.last != UInt8(ascii: "/") else { return file.split(separator: "/").last ?? "" }
        guard let slash = file.lastIndex(of: "/") else { return file[...] }
        return file[file.index(after: slash)...]
    }

    /// Parse `description`'s form.
    public init?(_ text: String) {
        let halves = text.split(separator: " @ ", maxSplits: 1, omittingEmptySubsequences: false)
        guard halves.count == 2, halves[0].hasPrefix("+0x"), let op = Int64(halves[0].dropFirst(3), radix: 16) else {
            return nil
        }
        var chain: [Position] = []
        if halves[1] != "?" {
            for part in halves[1].split(separator: " <- ", omittingEmptySubsequences: false) {
                guard let colon = part.lastIndex(of: ":"), let line = Int(part[part.index(after: colon)...]) else {
                    return nil
                }
                chain.append(Position(file: String(part[..<colon]), line: line))
            }
        }
        self.init(op: op, chain: chain)
    }

    public static func < (a: SiteKey, b: SiteKey) -> Bool { a.description < b.description }
}

/// Written as its text, so that keys in JSON read as they print.
extension SiteKey: Codable {
    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let key = SiteKey(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "'\(text)' is not a site key (+0xOFF @ file:line <- ...)"))
        }
        self = key
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
