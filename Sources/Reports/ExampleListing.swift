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

    /// For a site written `call *sym+0xf8(%rip)`: `objdump -dr shows the
    /// relocation as R_X86_64_PC32 sym+0xf4: the addend is the target less
    /// the 4 bytes from the displacement to the instruction's end`. Only
    /// for calls, jumps, loads and leas, whose displacement ends the
    /// instruction; nil otherwise.
    public var addendNote: String? {
        guard let site = instructions.first(where: { $0.hasPrefix(">") }) else { return nil }
        let pattern = /(call|jmp|mov|lea)\w*\s+\*?([A-Za-z_][A-Za-z0-9_.]*)\+0x([0-9a-f]+)\(%rip\)/
        guard let m = site.firstMatch(of: pattern), let target = Int(m.3, radix: 16), target >= 4 else { return nil }
        let symbol = String(m.2)
        return "objdump -dr shows R_X86_64_PC32 \(symbol)+0x\(String(target - 4, radix: 16)): the addend is "
            + "the target less the 4 bytes from the displacement to the instruction's end"
    }
}
