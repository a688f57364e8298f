import Compare
import RelocSites

extension Objection {
    /// The name of one of an objection's figures, as its JSON `figures`
    /// object keys it (`found_decoded`, `decoded_pointer-in-register`). An
    /// open set, as causes and policies add names: the code makes them
    /// from the constants and functions below only; a string literal is
    /// for tests and for reading a study back.
    public struct Figure: RawRepresentable, Hashable, Comparable, Sendable, Codable, CodingKeyRepresentable,
                          ExpressibleByStringLiteral, CustomStringConvertible {
        public let rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { rawValue = value }
        public var description: String { rawValue }
        public static func < (a: Figure, b: Figure) -> Bool { a.rawValue < b.rawValue }

        // 1. Disassembly.
        public static let references = Figure(rawValue: "references")
        public static let calls = Figure(rawValue: "calls")
        public static let undecodable = Figure(rawValue: "undecodable")
        public static let confirmedBySweep = Figure(rawValue: "confirmed_by_sweep")
        public static let naiveMidInstruction = Figure(rawValue: "naive_mid_instruction")
        public static let naiveNonCall = Figure(rawValue: "naive_non_call")
        public static let naiveMisplaced = Figure(rawValue: "naive_misplaced")
        // 2. Patch size, 4. hidden sites, 6. direct calls.
        public static let annotated = Figure(rawValue: "annotated")
        public static let sizeMismatched = Figure(rawValue: "size_mismatched")
        public static func sizeMismatched(_ p: Policy) -> Figure { Figure(rawValue: "size_mismatched_" + p.rawValue) }
        public static func found(_ p: Policy) -> Figure { Figure(rawValue: "found_" + p.rawValue) }
        public static func patchable(_ p: Policy) -> Figure { Figure(rawValue: "patchable_" + p.rawValue) }
        public static func missed(_ p: Policy) -> Figure { Figure(rawValue: "missed_" + p.rawValue) }
        /// The decoded policy's misses of one cause.
        public static func decoded(_ cause: Cause) -> Figure { Figure(rawValue: "decoded_" + cause.rawValue) }
        public static let copiesDiffer = Figure(rawValue: "copies_differ")
        // 3. Register environment.
        public static let narrowC = Figure(rawValue: "narrow_c")
        public static let annotatedC = Figure(rawValue: "annotated_c")
        public static let narrowAsm = Figure(rawValue: "narrow_asm")
        public static let annotatedAsm = Figure(rawValue: "annotated_asm")
        public static let clobberUnsafe = Figure(rawValue: "clobber_unsafe")
        // 5. Relocs through the link.
        public static let foundLinked = Figure(rawValue: "found_linked")
        public static let foundObjects = Figure(rawValue: "found_objects")
        public static let relaxed = Figure(rawValue: "relaxed")
        public static let annotatedLinked = Figure(rawValue: "annotated_linked")
        public static let annotatedObjects = Figure(rawValue: "annotated_objects")
        // 6. Direct calls.
        public static let plainFoundDecoded = Figure(rawValue: "plain_found_decoded")
        public static let plainHiddenMissed = Figure(rawValue: "plain_hidden_missed")
        public static let directHiddenMissed = Figure(rawValue: "direct_hidden_missed")
        public static let extraJumps = Figure(rawValue: "extra_jumps")
        public static let linkedTextDirect = Figure(rawValue: "linked_text_direct")
        public static let linkedTextPlain = Figure(rawValue: "linked_text_plain")
    }
}
