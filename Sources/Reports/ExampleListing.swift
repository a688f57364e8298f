import Study

extension Example {
    /// `plain build:` or `annotated build:`, the line above the
    /// instructions; nil in a study that did not record it.
    public var buildLabel: String? { build.map { "\($0.rawValue) build:" } }

    /// Clobber-unsafe only: `keeps rcx rdx rdi rsi r8 r9 r10 r11, which a
    /// C call may clobber` (the registers behind the verdict).
    public var clobberNote: String? {
        guard let regs = unsafeRegisters, !regs.isEmpty else { return nil }
        return "keeps \(regs.joined(separator: " ")), which a C call may clobber"
    }
}
