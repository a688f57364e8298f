import MacroSites

/// Which Linux patcher the records are for: it decides which sites a
/// record may name. The record layout says which (a layout with a flags
/// field is `.altinstructions`, patched by `alt_replace_call`).
public enum Patcher: String, Sendable, Codable {
    /// Linux up to 6.7, `apply_paravirt` (LinuxPatch.swift): any whole call
    /// of at least 5 bytes; the record's `type` names the op.
    case paravirt
    /// Linux 6.8 on, `apply_alternatives` → `alt_replace_call` for an
    /// `alt_instr` with ALT_FLAG_DIRECT_CALL: `BUG()` unless `instrlen` is
    /// 6 and the bytes are `ff 15 disp32`, `call *disp32(%rip)`, whose
    /// memory operand is where it reads the target. It writes the same
    /// `e8 rel32` and one nop as `apply_paravirt` does over 6 bytes.
    case directCall = "direct-call"

    /// `call *disp32(%rip)`: CALL_RIP_REL_OPCODE, CALL_RIP_REL_MODRM.
    public static let ripCallBytes: [UInt8] = [0xff, 0x15]
    public static let ripCallLength = 6

    /// The patcher of records in `format`.
    public init(format: any RecordFormat) {
        self = format.layout?.flags != nil ? .directCall : .paravirt
    }
}
