/// Relocation arithmetic, in one place (objtool's `arch_adjusted_addend()`).
extension Relocation {
    /// The offset from the relocation's symbol to the place the instruction
    /// refers to. For absolute types (64, 32, 32S) that is the addend. For
    /// PC-relative types (PC32, PLT32) the CPU adds the displacement to the
    /// end of the instruction, while the linker computes S + A - P with P the
    /// relocated bytes; so the place is S + A + (end - P): for `call
    /// *sym+0x18(%rip)` with nothing after the displacement, A = 0x18 - 4.
    /// For the GOT family the instruction refers to a GOT slot that holds
    /// the symbol's address: nil, the field comes from how the loaded
    /// address is used.
    public func referencedOffset(instructionEnd: UInt64) -> Int64? {
        if type.isGOTRelative { return nil }
        if type.isPCRelative { return addend &+ Int64(bitPattern: instructionEnd &- offset) }
        return addend
    }
}
