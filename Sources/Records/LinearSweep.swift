import X86

/// The linear sweep the record checks and the simulator use: lengths and
/// operands only (no register sets, half the decoder's cost), and a byte
/// the decoder does not know is stepped over, as objdump prints `(bad)`
/// and goes on (capstone 4 lacks `rdpkru`, which Linux's `__switch_to`
/// uses), instead of ending the sweep there.
enum LinearSweep {
    static func instructions(_ decoder: X86Decoder, _ code: UnsafeRawBufferPointer, range: Range<Int>,
                             base: UInt64) -> [Instruction] {
        var out: [Instruction] = []
        guard range.upperBound <= code.count else { return out }
        let bounded = UnsafeRawBufferPointer(rebasing: code[..<range.upperBound])
        var at = range.lowerBound
        while at < range.upperBound {
            if let insn = decoder.decode(bounded, at: at, address: base + UInt64(at), registerAccess: false) {
                out.append(insn)
                at += insn.length
            } else {
                at += 1
            }
        }
        return out
    }
}
