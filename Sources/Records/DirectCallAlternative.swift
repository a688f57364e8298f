import ELF
import MacroSites

/// Records as Linux 6.8+ writes a pv call (`ALT_CALL_INSTR` under
/// `ALT_CALL_ALWAYS`, arch/x86/include/asm/alternative.h): a packed
/// `struct alt_instr { s32 instr_offset; s32 repl_offset; u16 cpuid; u16
/// flags; u8 instrlen; u8 replacementlen; }` in `.altinstructions`, cpuid
/// X86_FEATURE_ALWAYS, flags ALT_FLAG_DIRECT_CALL, instrlen 6, and a
/// replacement `call BUG_func` (5 bytes) in `.altinstr_replacement`.
/// `alt_replace_call` reads the target from the 6-byte `call *disp32(%rip)`
/// at the site and moves the replacement's rel32 from BUG_func to it.
public enum DirectCallAlternative {
    /// `( 3*32+21)` in asm/cpufeatures.h.
    public static let featureAlways: UInt16 = 3 * 32 + 21
    /// ALT_FLAG_DIRECT_CALL.
    public static let directCallFlag: UInt16 = 1 << 1
    /// `call BUG_func`: CALL_INSN_SIZE.
    public static let replacementLength = 5
    /// Byte 13 of the record, after the layout's `length` (instrlen) at 12.
    static let replacementLengthOffset = 13
    /// The symbol the replacement calls (ALT_CALL_INSTR).
    public static let placeholder = "BUG_func"

    /// A layout of `.altinstructions` this writes: 6.8's (relative
    /// pointer, cpuid and flags, instrlen; no type byte).
    public static func fits(_ l: RecordLayout) -> Bool {
        l.pointer == .relative32 && l.type == nil && l.flags?.width == 2 && l.flags!.offset >= 2
            && l.requiredFlags == UInt64(directCallFlag) && l.length.offset == replacementLengthOffset - 1
            && l.stride > replacementLengthOffset
    }

    /// The section bytes (offsets zero: they depend on where the section
    /// lands) and the relocations that fill them: the site (PC32 against its
    /// section) and the replacement (PC32 against `.altinstr_replacement`,
    /// 5 bytes a record).
    static func encode(_ records: [PatchRecord], layout: RecordLayout, name: String) -> EncodedRecords {
        var bytes = [UInt8](repeating: 0, count: records.count * layout.stride)
        var relocations: [RecordRelocation] = []
        let flags = layout.flags!
        func put(_ value: UInt64, at offset: Int, width: Int) {
            for k in 0 ..< width { bytes[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
        }
        for (i, r) in records.enumerated() {
            let base = i * layout.stride
            relocations.append(RecordRelocation(offset: UInt64(base + layout.instr.offset), type: RelocationType.pc32.description,
                                                symbol: r.section, addend: Int64(r.offset)))
            relocations.append(RecordRelocation(offset: UInt64(base + layout.instr.offset + 4), type: RelocationType.pc32.description,
                                                symbol: ".altinstr_replacement", addend: Int64(i * replacementLength)))
            put(UInt64(featureAlways), at: base + flags.offset - 2, width: 2)
            put(UInt64(directCallFlag), at: base + flags.offset, width: flags.width)
            put(UInt64(r.length), at: base + layout.length.offset, width: layout.length.width)
            put(UInt64(replacementLength), at: base + replacementLengthOffset, width: 1)
        }
        return EncodedRecords(layout: name, stride: layout.stride, bytes: bytes, relocations: relocations)
    }

    /// Assembler source: per record its replacement and its `alt_instr`,
    /// as `ALTERNATIVE`'s macros lay them out (`.long 771b - .`).
    static func assembly(_ records: [PatchRecord], address: (PatchRecord) -> String, header: String) -> String {
        var out = header.split(separator: "\n").map { "/* \($0) */\n" }.joined()
        for (i, r) in records.enumerated() {
            out += "\t/* \(r.location): \(r.op), len \(r.length) */\n"
            out += "\t.pushsection .altinstr_replacement,\"ax\"\n"
            out += ".Lpvsites_repl_\(i):\n\tcall \(placeholder)\n\t.popsection\n"
            out += "\t.pushsection .altinstructions,\"a\"\n"
            out += "\t.long \(address(r)) - .\n"
            out += "\t.long .Lpvsites_repl_\(i) - .\n"
            out += "\t.short 0x\(String(featureAlways, radix: 16))\n"
            out += "\t.short 0x\(String(directCallFlag, radix: 16))\n"
            out += "\t.byte \(r.length)\n"
            out += "\t.byte \(replacementLength)\n"
            out += "\t.popsection\n"
        }
        return out
    }
}
