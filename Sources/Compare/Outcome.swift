import SiteModel

/// The verdict on one site (DESIGN.md, "Data model").
public enum OutcomeKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// Same key, op, kind and length.
    case matched
    /// Matched, but the lengths differ (annotated 6, found `call *%r12` of 3).
    case sizeMismatched = "size-mismatched"
    /// Matched, but `call` vs `jmp` (gcc turned the call into a tail call).
    case kindMismatched = "kind-mismatched"
    /// Matched, but the annotation declares fewer clobbers than the C ABI in
    /// hand-written asm: patching it as a C call would break the asm.
    case clobberUnsafe = "clobber-unsafe"
    /// The scan's partner for the site is a guess that is not a patchable
    /// call: it starts inside an instruction, or the instruction there is
    /// not a call or jmp through memory of the guessed length. Patching it
    /// would corrupt code, so the site is not found.
    case misplaced
    /// An annotated site the scan did not find.
    case missed
    /// A scanned site with no annotation.
    case spurious
    /// A scanned call reached by loads of several ops (tail-merging,
    /// cross-jumping): it belongs to none of them, and each op's annotated
    /// site is missed with cause `merged`.
    case merged

    /// Found by the scan, in any shape that is really there.
    public var isFound: Bool {
        switch self {
        case .matched, .sizeMismatched, .kindMismatched, .clobberUnsafe: return true
        case .misplaced, .missed, .spurious, .merged: return false
        }
    }

    public static func < (a: OutcomeKind, b: OutcomeKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// Why a site was missed or is spurious; one line each, catalogued in
/// docs/causes.md.
public enum Cause: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    /// The op pointer was loaded into a register and called through it.
    case register = "pointer-in-register"
    /// The table's address was put in a register and the call went
    /// through `disp(%reg)`.
    case baseRegister = "base-register"
    /// The call went through a retpoline thunk `__x86_indirect_thunk_<reg>`.
    case retpolineThunk = "retpoline-thunk"
    /// The table's address came from the GOT (`-fPIC`).
    case gotLoad = "got-load"
    /// No relocation against the table at the site: the pointer escaped
    /// (table copied, passed by pointer), or the call was folded away.
    case noReference = "no-reference"
    /// A reference exists but its instruction does not decode.
    case undecodable
    /// A reference exists, but as a compare, store or other non-call.
    case nonCallReference = "non-call-reference"
    /// The two builds made a different number of copies of this call
    /// (inlining, unrolling, cloning differ between the asm and the C
    /// version): the same op at the same line is found elsewhere, or the
    /// site is in an out-of-line function the plain build has no copy of
    /// (it inlined it into its callers) while it calls the op elsewhere.
    case copiesDiffer = "copies-differ"
    /// Missed: the plain build's call for this op is one that loads of
    /// other ops reach too (an outcome `merged` lists them).
    case merged
    /// Spurious: a real call through the table that carries no annotation.
    case unannotatedCall = "unannotated-call"
    /// Spurious: a data read, compare, store or address taken as a site.
    case nonCall = "non-call"

    /// A cause of a spurious site (the others explain misses).
    public var isSpurious: Bool { self == .unannotatedCall || self == .nonCall }

    /// A miss the scan is to blame for: neither spurious nor a different
    /// number of copies in the two builds.
    public var isScanMiss: Bool { !isSpurious && self != .copiesDiffer }

    public static func < (a: Cause, b: Cause) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// What is wrong with a guessed site (the naive policy's `ff 15` assumed
/// two bytes before every relocation).
public enum Misplacement: String, Sendable, Codable, CaseIterable {
    /// It does not start where the instruction holding the relocation
    /// starts: patching it would write over the middle of an instruction.
    case midInstruction = "mid-instruction"
    /// It starts at that instruction, which is not a call or jmp through
    /// memory of the guessed length (a load, a compare, a 7-byte call).
    case nonCallInstruction = "non-call-instruction"
}

/// One compared site: the annotated side, the scanned side, or both.
public struct Outcome: Sendable, Codable, Hashable {
    public let kind: OutcomeKind
    public let annotated: Site?
    public let found: Site?
    public let cause: Cause?
    /// Matched by op and innermost position only: the two builds inlined
    /// differently (counted apart).
    public let inliningDiffers: Bool
    /// Matched by op, function chain and order only: the two builds' line
    /// tables give the site different innermost lines (clang gives an asm
    /// statement the row before it; counted apart).
    public let linesDiffer: Bool
    /// The reference that explains a miss (the load, the GOT access ...).
    public let evidence: String?
    /// Set when the scanned site is a guess that could not be patched
    /// (kind `misplaced`, or a spurious guess).
    public let misplacement: Misplacement?

    enum CodingKeys: String, CodingKey {
        case kind, annotated, found, cause, evidence, misplacement
        case inliningDiffers = "inlining_differs"
        case linesDiffer = "lines_differ"
    }

    public init(kind: OutcomeKind, annotated: Site?, found: Site?, cause: Cause? = nil,
                inliningDiffers: Bool = false, linesDiffer: Bool = false, evidence: String? = nil,
                misplacement: Misplacement? = nil) {
        self.kind = kind
        self.annotated = annotated
        self.found = found
        self.cause = cause
        self.inliningDiffers = inliningDiffers
        self.linesDiffer = linesDiffer
        self.evidence = evidence
        self.misplacement = misplacement
    }

    /// The site the outcome is about: the annotated one when there is one.
    public var site: Site { annotated ?? found! }
}

extension Outcome {
    /// Outcomes written before `lines_differ` existed read as false.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        kind = try c.decode(OutcomeKind.self, forKey: .kind)
        annotated = try c.decodeIfPresent(Site.self, forKey: .annotated)
        found = try c.decodeIfPresent(Site.self, forKey: .found)
        cause = try c.decodeIfPresent(Cause.self, forKey: .cause)
        inliningDiffers = try c.decode(Bool.self, forKey: .inliningDiffers)
        linesDiffer = try c.decodeIfPresent(Bool.self, forKey: .linesDiffer) ?? false
        evidence = try c.decodeIfPresent(String.self, forKey: .evidence)
        misplacement = try c.decodeIfPresent(Misplacement.self, forKey: .misplacement)
    }
}
