/// Why no record is made for a site: the patcher would break the code or
/// stop the boot. Names are part of the JSON contract (`refused`).
public enum RefusalReason: String, Sendable, Codable, CaseIterable, Comparable {
    /// A call reached by loads of several ops (tail-merged, cross-jumped):
    /// one record can name only one op.
    case sharedByOps = "shared-by-ops"
    /// Shorter than the 5-byte `call` `apply_paravirt` writes: 6.1 stops at
    /// `BUG_ON(used > p->len)`.
    case tooShort = "too-short"
    /// Longer than `MAX_PATCH_LEN` (254): `BUG_ON(p->len > MAX_PATCH_LEN)`.
    case tooLong = "too-long"
    /// The op's field offset / 8 does not fit the u8 `type`.
    case typeOutOfRange = "type-out-of-range"
    /// A tail jump (`jmp *...`, `jmp __x86_indirect_thunk_*`): the patcher
    /// writes a `call`, after which control would fall through the nops
    /// into whatever follows.
    case tailCall = "tail-call"
    /// The site does not start (or end) at an instruction boundary.
    case midInstruction = "mid-instruction"
    /// The bytes are not a call (a load, a compare, a call of another length).
    case notACall = "not-a-call"
    /// Linux 6.8+'s `alt_replace_call` BUG()s unless the site is `call
    /// *disp32(%rip)` (`ff 15`), 6 bytes: it reads the target from that
    /// operand. A thunk call, `call *%rax` or a direct call cannot be a
    /// direct-call alternative.
    case notRipRelativeCall = "not-rip-relative-call"
    /// A branch, jump-table entry, symbol or relocation points strictly
    /// inside the site: a jump there would land in the middle of the patch.
    case jumpTargetInside = "jump-target-inside"
    /// Its bytes overlap an earlier record's.
    case overlapsAnother = "overlaps-another"

    public static func < (a: RefusalReason, b: RefusalReason) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One refused site and why.
public struct Refusal: Sendable, Hashable, Codable {
    public let section: String
    /// Offset of the site in its section.
    public let offset: UInt64
    public let location: String
    public let address: UInt64
    public let reason: RefusalReason
    /// One line: what was seen (the instruction, the target inside).
    public let detail: String
}
