/// An x86-64 relocation type. An open set: unknown types keep their number.
public struct RelocationType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let none = RelocationType(rawValue: 0)
    public static let r64 = RelocationType(rawValue: 1)
    public static let pc32 = RelocationType(rawValue: 2)
    public static let got32 = RelocationType(rawValue: 3)
    public static let plt32 = RelocationType(rawValue: 4)
    public static let copy = RelocationType(rawValue: 5)
    public static let globDat = RelocationType(rawValue: 6)
    public static let jumpSlot = RelocationType(rawValue: 7)
    public static let relative = RelocationType(rawValue: 8)
    public static let gotpcrel = RelocationType(rawValue: 9)
    public static let r32 = RelocationType(rawValue: 10)
    public static let r32s = RelocationType(rawValue: 11)
    public static let r16 = RelocationType(rawValue: 12)
    public static let pc16 = RelocationType(rawValue: 13)
    public static let r8 = RelocationType(rawValue: 14)
    public static let pc8 = RelocationType(rawValue: 15)
    public static let dtpmod64 = RelocationType(rawValue: 16)
    public static let dtpoff64 = RelocationType(rawValue: 17)
    public static let tpoff64 = RelocationType(rawValue: 18)
    public static let tlsgd = RelocationType(rawValue: 19)
    public static let tlsld = RelocationType(rawValue: 20)
    public static let dtpoff32 = RelocationType(rawValue: 21)
    public static let gottpoff = RelocationType(rawValue: 22)
    public static let tpoff32 = RelocationType(rawValue: 23)
    public static let pc64 = RelocationType(rawValue: 24)
    public static let gotoff64 = RelocationType(rawValue: 25)
    public static let gotpc32 = RelocationType(rawValue: 26)
    public static let got64 = RelocationType(rawValue: 27)
    public static let gotpcrel64 = RelocationType(rawValue: 28)
    public static let gotpc64 = RelocationType(rawValue: 29)
    public static let gotplt64 = RelocationType(rawValue: 30)
    public static let pltoff64 = RelocationType(rawValue: 31)
    public static let size32 = RelocationType(rawValue: 32)
    public static let size64 = RelocationType(rawValue: 33)
    public static let gotpc32TLSDesc = RelocationType(rawValue: 34)
    public static let tlsDescCall = RelocationType(rawValue: 35)
    public static let tlsDesc = RelocationType(rawValue: 36)
    public static let irelative = RelocationType(rawValue: 37)
    public static let relative64 = RelocationType(rawValue: 38)
    public static let gotpcrelx = RelocationType(rawValue: 41)
    public static let rexGotpcrelx = RelocationType(rawValue: 42)

    private static let names: [UInt32: String] = [
        0: "R_X86_64_NONE", 1: "R_X86_64_64", 2: "R_X86_64_PC32", 3: "R_X86_64_GOT32",
        4: "R_X86_64_PLT32", 5: "R_X86_64_COPY", 6: "R_X86_64_GLOB_DAT",
        7: "R_X86_64_JUMP_SLOT", 8: "R_X86_64_RELATIVE", 9: "R_X86_64_GOTPCREL",
        10: "R_X86_64_32", 11: "R_X86_64_32S", 12: "R_X86_64_16", 13: "R_X86_64_PC16",
        14: "R_X86_64_8", 15: "R_X86_64_PC8", 16: "R_X86_64_DTPMOD64",
        17: "R_X86_64_DTPOFF64", 18: "R_X86_64_TPOFF64", 19: "R_X86_64_TLSGD",
        20: "R_X86_64_TLSLD", 21: "R_X86_64_DTPOFF32", 22: "R_X86_64_GOTTPOFF",
        23: "R_X86_64_TPOFF32", 24: "R_X86_64_PC64", 25: "R_X86_64_GOTOFF64",
        26: "R_X86_64_GOTPC32", 27: "R_X86_64_GOT64", 28: "R_X86_64_GOTPCREL64",
        29: "R_X86_64_GOTPC64", 30: "R_X86_64_GOTPLT64", 31: "R_X86_64_PLTOFF64",
        32: "R_X86_64_SIZE32", 33: "R_X86_64_SIZE64", 34: "R_X86_64_GOTPC32_TLSDESC",
        35: "R_X86_64_TLSDESC_CALL", 36: "R_X86_64_TLSDESC", 37: "R_X86_64_IRELATIVE",
        38: "R_X86_64_RELATIVE64", 41: "R_X86_64_GOTPCRELX", 42: "R_X86_64_REX_GOTPCRELX",
    ]

    /// The name readelf prints, or the number for a type we do not know.
    public var description: String { Self.names[rawValue] ?? "R_X86_64_\(rawValue)" }

    /// How many bytes at r_offset the relocation writes (0 when unknown).
    /// A switch on the number: this runs for every entry of a 400,000-entry
    /// `.rela.text`.
    public var width: Int {
        switch rawValue {
        // 64, PC64, GOTOFF64, GOT64, GOTPCREL64, GOTPC64, GOTPLT64, PLTOFF64,
        // SIZE64, DTPMOD64, DTPOFF64, TPOFF64, RELATIVE, RELATIVE64,
        // GLOB_DAT, JUMP_SLOT, IRELATIVE, TLSDESC
        case 1, 24, 25, 27, 28, 29, 30, 31, 33, 16, 17, 18, 8, 38, 6, 7, 37, 36:
            return 8
        // PC32, GOT32, PLT32, GOTPCREL, 32, 32S, TLSGD, TLSLD, DTPOFF32,
        // GOTTPOFF, TPOFF32, GOTPC32, SIZE32, GOTPC32_TLSDESC, GOTPCRELX,
        // REX_GOTPCRELX
        case 2, 3, 4, 9, 10, 11, 19, 20, 21, 22, 23, 26, 32, 34, 41, 42:
            return 4
        case 12, 13: return 2  // 16, PC16
        case 14, 15: return 1  // 8, PC8
        default: return 0
        }
    }

    /// PC-relative: the value is S + A - P (PC32, PLT32, PC64, PC16, PC8).
    public var isPCRelative: Bool {
        switch rawValue {
        case 2, 4, 24, 13, 15: return true
        default: return false
        }
    }

    /// The value is the address of a GOT slot holding the symbol's address
    /// (GOTPCREL, GOTPCRELX, REX_GOTPCRELX, GOTPCREL64, GOT32, GOT64).
    public var isGOTRelative: Bool {
        switch rawValue {
        case 9, 41, 42, 28, 3, 27: return true
        default: return false
        }
    }
}

/// One relocation entry, normalised so that every layer above sees the same
/// shape whatever the file type.
public struct Relocation: Sendable, Equatable {
    /// Position in its relocation section (for diagnostics: `.rela.text[12]`).
    public let index: Int
    /// r_offset as stored: a section offset in ET_REL, a virtual address in
    /// images linked with `--emit-relocs`.
    public let rawOffset: UInt64
    /// The offset into the target section, whatever the file type.
    public let offset: UInt64
    public let type: RelocationType
    public let symbolIndex: Int
    /// r_addend for RELA; for REL, the implicit addend read from the bytes.
    public let addend: Int64

    public init(index: Int, rawOffset: UInt64, offset: UInt64, type: RelocationType,
                symbolIndex: Int, addend: Int64) {
        self.index = index
        self.rawOffset = rawOffset
        self.offset = offset
        self.type = type
        self.symbolIndex = symbolIndex
        self.addend = addend
    }
}

/// A SHT_RELA or SHT_REL section and the section it applies to.
public struct RelocationSection: Sendable, Equatable {
    public let section: Section
    /// sh_info: the section the relocations patch.
    public let targetIndex: Int
    /// sh_link: the symbol table the relocations name.
    public let symbolTableIndex: Int
    public var hasAddends: Bool { section.type == .rela }
    public var count: Int {
        let entry: UInt64 = hasAddends ? 24 : 16
        return Int(section.size / entry)
    }
}
