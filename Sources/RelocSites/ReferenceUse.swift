/// What an instruction does with the ops table (or a trampoline) it
/// references. A dictionary keyed by use encodes as a JSON object keyed by
/// name.
public enum ReferenceUse: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable, Comparable {
    /// `call *table+off(%rip)`.
    case callMem = "call-mem"
    /// `jmp *table+off(%rip)`: a tail call.
    case jmpMem = "jmp-mem"
    /// `call pv_tramp_<op>` (e8 rel32): a direct call to a trampoline.
    case callDirect = "call-direct"
    /// `jmp pv_tramp_<op>` (e9 rel32): a direct tail call to a trampoline.
    case jmpDirect = "jmp-direct"
    /// `mov table+off(%rip), %reg`: the op pointer into a register.
    case load
    /// `lea table(%rip), %reg`, a GOT load, `mov $table, %reg`: the
    /// table's (or a field's) address.
    case address
    /// `cmp $native_fn, table+off(%rip)`, `cmp table+off(%rip), %reg`.
    case compare
    /// `mov %reg, table+off(%rip)`: a write to the table.
    case store
    /// Anything else that decodes (push, data tables in text, ...).
    case other
    /// No start before the relocation decodes to an instruction whose
    /// displacement or immediate is the relocated bytes.
    case undecodable

    /// A call or tail jump: through the table's memory, or direct to a trampoline.
    public var isBranch: Bool { self == .callMem || self == .jmpMem || self == .callDirect || self == .jmpDirect }

    public static func < (a: ReferenceUse, b: ReferenceUse) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
