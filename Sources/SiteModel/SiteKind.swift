/// How a site transfers control to the op.
public enum SiteKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// `call *table+off(%rip)` (or the absolute form).
    case call
    /// `jmp *table+off(%rip)`: a tail call.
    case jmp
    /// `call *%reg` after a load of the field.
    case callReg = "call-reg"
    /// `jmp *%reg` after a load of the field.
    case jmpReg = "jmp-reg"
    /// `call *disp(%reg)` with the table's address in the register.
    case callBase = "call-base"
    /// `jmp *disp(%reg)`.
    case jmpBase = "jmp-base"
    /// `call __x86_indirect_thunk_<reg>` (retpoline).
    case thunkCall = "thunk-call"
    /// `jmp __x86_indirect_thunk_<reg>` (retpoline tail call).
    case thunkJmp = "thunk-jmp"
    /// `call pv_tramp_<op>` (e8 rel32): a direct call to the op's
    /// trampoline (the direct form).
    case callDirect = "call-direct"
    /// `jmp pv_tramp_<op>` (e9 rel32): a direct tail call to it.
    case jmpDirect = "jmp-direct"
    /// Bytes that are not a call or jump through the table (a record that
    /// points elsewhere, or a naive-policy site on a load).
    case other

    public var isTailCall: Bool { self == .jmp || self == .jmpReg || self == .jmpBase || self == .thunkJmp || self == .jmpDirect }

    public static func < (a: SiteKind, b: SiteKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
