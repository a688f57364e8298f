/// A set of x86-64 registers a site may clobber, in Linux's CLBR_* bit
/// numbering for x86-64 (paravirt_types.h, 2.6.25 to 4.x):
/// RAX 0, RCX 1, RDX 2, RDI 3, RSI 4, R8 5, R9 6, R10 7, R11 8;
/// CLBR_ANY is the nine bits, the C ABI's caller-saved set.
public struct ClobberSet: OptionSet, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let rax = ClobberSet(rawValue: 1 << 0)
    public static let rcx = ClobberSet(rawValue: 1 << 1)
    public static let rdx = ClobberSet(rawValue: 1 << 2)
    public static let rdi = ClobberSet(rawValue: 1 << 3)
    public static let rsi = ClobberSet(rawValue: 1 << 4)
    public static let r8 = ClobberSet(rawValue: 1 << 5)
    public static let r9 = ClobberSet(rawValue: 1 << 6)
    public static let r10 = ClobberSet(rawValue: 1 << 7)
    public static let r11 = ClobberSet(rawValue: 1 << 8)
    /// What a plain C call may clobber: every caller-saved register.
    public static let cABI = ClobberSet(rawValue: (1 << 9) - 1)

    private static let order: [(ClobberSet, String)] = [
        (.rax, "rax"), (.rcx, "rcx"), (.rdx, "rdx"), (.rdi, "rdi"), (.rsi, "rsi"),
        (.r8, "r8"), (.r9, "r9"), (.r10, "r10"), (.r11, "r11"),
    ]

    /// Register names in CLBR bit order.
    public var registers: [String] { Self.order.filter { contains($0.0) }.map(\.1) }

    /// Bits outside the nine registers (a corrupt or foreign record).
    public var unknownBits: UInt16 { rawValue & ~ClobberSet.cABI.rawValue }

    public var description: String {
        if self == .cABI { return "any" }
        if isEmpty { return "none" }
        return registers.joined(separator: ",")
    }

    public init(from decoder: Decoder) throws {
        let names = try decoder.singleValueContainer().decode([String].self)
        var set = ClobberSet()
        for n in names { if let e = Self.order.first(where: { $0.1 == n }) { set.insert(e.0) } }
        self = set
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(registers)
    }
}
