import Compare
import CorpusBuild
import RelocSites

/// One shown case of a cause: where, what the source says, what gcc emitted.
public struct Example: Codable, Sendable, Hashable {
    public let outcome: OutcomeKind
    public let cause: Cause?
    public let config: String
    public let policy: Policy
    public let op: String
    public let location: String
    /// `file:line` of the innermost frame, and that line's text.
    public let position: String
    public let sourceLine: String
    /// 2 to 4 instructions around the site, the site marked with `>`,
    /// each `> +0x1a: call *paravirt_ops+0x128(%rip)  # irq_disable` (the
    /// offset into `function`), or `func+0x1a:` outside it.
    public let instructions: [String]
    /// Annotated vs found length, for size mismatches.
    public let lengths: String?
    /// Which build the instructions come from: the annotated one (the
    /// site, a miss without a trace in the plain build) or the plain one.
    /// Nil in a study written before it was recorded.
    public var build: BuildMode? = nil
    /// The function the instructions are in (nil outside any function,
    /// and in a study written before it was recorded: then each
    /// instruction names its own).
    public var function: String? = nil
    /// Clobber-unsafe only: the registers a C call may clobber that the
    /// annotated record declares kept (`rcx`, `rdx`, ... in CLBR order):
    /// what patching in a plain call would break.
    public var unsafeRegisters: [String]? = nil
    /// The object file of the pair (`io.o`, `vmlinux`, a path in a kernel
    /// tree), for objdump; nil in a study written before it was recorded.
    public var object: String? = nil
    /// When `instructions` are the plain (or direct) build's: the
    /// annotated build's instruction at the record, `func+0x4: call
    /// *paravirt_ops+0x128(%rip) (record: 6 bytes)`; nil otherwise.
    public var recorded: String? = nil
    /// Missed as `merged`: the plain build's one call that this op's load
    /// and other ops' loads reach, `control_reg_op+0x64: jmp
    /// __x86_indirect_thunk_rax (reached by read_cr0, read_cr4)`.
    public var sharedCall: String? = nil

    enum CodingKeys: String, CodingKey {
        case outcome, cause, config, policy, op, location, position, instructions, lengths, build, function, object, recorded
        case sharedCall = "shared_call"
        case sourceLine = "source_line"
        case unsafeRegisters = "unsafe_registers"
    }
}
