/// The ELF vocabulary used above the libelf layer: closed sets are enums,
/// open sets are RawRepresentable structs with named static members.
public enum ELFFileType: Sendable, Equatable, CustomStringConvertible {
    case relocatable, executable, sharedObject, core
    case other(UInt16)

    init(rawValue: UInt16) {
        switch rawValue {
        case 1: self = .relocatable
        case 2: self = .executable
        case 3: self = .sharedObject
        case 4: self = .core
        default: self = .other(rawValue)
        }
    }

    public var description: String {
        switch self {
        case .relocatable: return "ET_REL"
        case .executable: return "ET_EXEC"
        case .sharedObject: return "ET_DYN"
        case .core: return "ET_CORE"
        case .other(let v): return "ET_\(v)"
        }
    }
}

public struct SectionType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let null = SectionType(rawValue: 0)
    public static let progbits = SectionType(rawValue: 1)
    public static let symtab = SectionType(rawValue: 2)
    public static let strtab = SectionType(rawValue: 3)
    public static let rela = SectionType(rawValue: 4)
    public static let hash = SectionType(rawValue: 5)
    public static let dynamic = SectionType(rawValue: 6)
    public static let note = SectionType(rawValue: 7)
    public static let nobits = SectionType(rawValue: 8)
    public static let rel = SectionType(rawValue: 9)
    public static let dynsym = SectionType(rawValue: 11)
    public static let group = SectionType(rawValue: 17)
    public static let symtabShndx = SectionType(rawValue: 18)

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .progbits: return "PROGBITS"
        case .symtab: return "SYMTAB"
        case .strtab: return "STRTAB"
        case .rela: return "RELA"
        case .hash: return "HASH"
        case .dynamic: return "DYNAMIC"
        case .note: return "NOTE"
        case .nobits: return "NOBITS"
        case .rel: return "REL"
        case .dynsym: return "DYNSYM"
        case .group: return "GROUP"
        case .symtabShndx: return "SYMTAB_SHNDX"
        default: return hex(rawValue)
        }
    }
}

public struct SectionFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    public static let write = SectionFlags(rawValue: 0x1)
    public static let alloc = SectionFlags(rawValue: 0x2)
    public static let execInstr = SectionFlags(rawValue: 0x4)
    public static let merge = SectionFlags(rawValue: 0x10)
    public static let strings = SectionFlags(rawValue: 0x20)
    public static let infoLink = SectionFlags(rawValue: 0x40)
    public static let group = SectionFlags(rawValue: 0x200)
    public static let compressed = SectionFlags(rawValue: 0x800)
}

public enum SymbolType: Sendable, Equatable {
    case notype, object, function, section, file, common, tls, gnuIFunc
    case other(UInt8)

    init(raw: UInt8) {
        switch raw {
        case 0: self = .notype
        case 1: self = .object
        case 2: self = .function
        case 3: self = .section
        case 4: self = .file
        case 5: self = .common
        case 6: self = .tls
        case 10: self = .gnuIFunc
        default: self = .other(raw)
        }
    }
}

public enum SymbolBinding: Sendable, Equatable {
    case local, global, weak
    case other(UInt8)

    init(raw: UInt8) {
        switch raw {
        case 0: self = .local
        case 1: self = .global
        case 2: self = .weak
        default: self = .other(raw)
        }
    }
}
