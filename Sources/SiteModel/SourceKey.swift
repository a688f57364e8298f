import ELF
import SiteModel

/// How a call site is recognised across two builds of the same source:
/// the op and the inline chain of (file, line), innermost first. Columns
/// are left out: the annotated macro and the plain call start at different
/// columns of the same line.
public struct SourceKey: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public struct Position: Sendable, Hashable, Codable {
        public let file: String
        public let line: Int

        public init(file: String, line: Int) {
            self.file = file
            self.line = line
        }
    }

    /// The op's field offset: names can differ between builds (an
    /// annotated object whose C never names the table has no DWARF for it).
    public let op: Int64
    public let chain: [Position]

    public init(op: Int64, chain: [Position]) {
        self.op = op
        self.chain = chain
    }

    public init(site: Site) {
        op = site.op.offset
        chain = site.source.map { Position(file: $0.file, line: $0.line) }
    }

    /// The same op at the same innermost position: the second-chance key.
    public var innermost: SourceKey { SourceKey(op: op, chain: Array(chain.prefix(1))) }

    /// `op @ file:line <- file:line`, with file names shortened to their last
    /// component (the chain is for people; the key compares full paths).
    public var description: String {
        let where_ = chain.map { "\($0.file.split(separator: "/").last ?? ""):\($0.line)" }
        return "+\(hex(op)) @ " + (where_.isEmpty ? "?" : where_.joined(separator: " <- "))
    }

    public static func < (a: SourceKey, b: SourceKey) -> Bool { a.description < b.description }

    /// A key for references that carry no op (GOT loads, table addresses).
    public static func position(_ chain: [Position]) -> SourceKey { SourceKey(op: -1, chain: chain) }
}
