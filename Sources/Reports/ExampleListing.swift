import Study
import Pipeline

extension Example {
    /// `plain build, lapic_timer_setup:` or `annotated build, ...:`, the
    /// line above the instructions (which give offsets into that
    /// function); nil without instructions (a naive guess off every
    /// instruction boundary) and in a study that did not record the build.
    public var buildLabel: String? {
        guard !instructions.isEmpty else { return nil }
        return build.map { "\($0.rawValue) build" + (function.map { ", \($0):" } ?? ":") }
    }

    /// Clobber-unsafe only: `keeps rcx rdx rdi rsi r8 r9 r10 r11, which a
    /// C call may clobber` (the registers behind the verdict).
    public var clobberNote: String? {
        guard let regs = unsafeRegisters, !regs.isEmpty else { return nil }
        return "keeps \(regs.joined(separator: " ")), which a C call may clobber"
    }
}
