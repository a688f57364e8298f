/// What Linux 6.1's `apply_paravirt` (arch/x86/kernel/alternative.c) writes
/// at a record, with every op present and not `_paravirt_nop`:
/// `paravirt_patch()` → `paravirt_patch_call()` (arch/x86/kernel/paravirt.c)
/// generates `e8 <rel32>` (`__text_gen_insn(CALL_INSN_OPCODE, addr, target,
/// CALL_INSN_SIZE)`, rel32 = target - (addr + 5)); `BUG_ON(used > p->len)`;
/// then `add_nops(insn_buff + used, p->len - used)` fills the rest with the
/// x86-64 nops of arch/x86/include/asm/nops.h, at most `ASM_NOP_MAX` (8)
/// bytes each, longest first.
public enum LinuxPatch {
    public static let callOpcode: UInt8 = 0xe8
    /// CALL_INSN_SIZE.
    public static let callSize = 5
    /// MAX_PATCH_LEN in alternative.c: 255 - 1.
    public static let maxPatchLength = 254

    /// BYTES_NOP1 ... BYTES_NOP8 for CONFIG_X86_64.
    static let nops: [[UInt8]] = [
        [],
        [0x90],
        [0x66, 0x90],
        [0x0f, 0x1f, 0x00],
        [0x0f, 0x1f, 0x40, 0x00],
        [0x0f, 0x1f, 0x44, 0x00, 0x00],
        [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00],
        [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00],
        [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00],
    ]

    /// `add_nops(insns, len)`.
    static func addNops(_ length: Int) -> [UInt8] {
        var out: [UInt8] = []
        var left = length
        while left > 0 {
            let n = min(left, nops.count - 1)
            out += nops[n]
            left -= n
        }
        return out
    }

    /// The `length` bytes written at `address`: a call to `target`, then nops.
    /// Nil when `length` is below the call's size (the kernel's BUG_ON).
    public static func patch(address: UInt64, length: Int, target: UInt64) -> [UInt8]? {
        guard length >= callSize, length <= maxPatchLength else { return nil }
        let rel = Int32(truncatingIfNeeded: Int64(bitPattern: target &- (address &+ UInt64(callSize))))
        let r = UInt32(bitPattern: rel)
        return [callOpcode, UInt8(r & 0xff), UInt8(r >> 8 & 0xff), UInt8(r >> 16 & 0xff), UInt8(r >> 24)]
            + addNops(length - callSize)
    }
}
