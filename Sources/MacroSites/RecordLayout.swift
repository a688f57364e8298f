import ELF

/// How the annotated-site records of one section are laid out.
public struct RecordLayout: Sendable, Equatable, CustomStringConvertible {
    /// How the instruction pointer is stored.
    public enum Pointer: String, Sendable, Equatable {
        /// An absolute address (`.quad 771b`), R_X86_64_64 in objects.
        case absolute64
        /// A 32-bit offset from the field itself (`.long 771b - .`), R_X86_64_PC32.
        case relative32
    }

    /// A field: byte offset in the record and width in bytes.
    public struct Field: Sendable, Equatable {
        public let offset: Int
        public let width: Int
        public init(_ offset: Int, _ width: Int) {
            self.offset = offset
            self.width = width
        }
    }

    public let name: String
    /// Bytes from one record to the next.
    public let stride: Int
    public let instr: Field
    public let pointer: Pointer
    /// The type byte (op offset / 8); nil when the op comes from the site's
    /// own relocation (Linux 6.8+).
    public let type: Field?
    public let length: Field
    public let clobbers: Field?
    /// For `.altinstructions`: the flags field and the bit that makes an
    /// entry a paravirt site (ALT_FLAG_DIRECT_CALL).
    public let flags: Field?
    public let requiredFlags: UInt64
    /// Linux 2.6.25 to 6.0 emitted 12 bytes and aligned the next record to
    /// 8, so the last record may lack its 4 bytes of padding.
    public let allowsShortLastRecord: Bool
    /// The section the layout lives in by default.
    public let defaultSection: String

    public var description: String { name }

    /// The corpus, and Linux on x86-64 while the clobbers field existed:
    /// `{ void *instr; u8 type; u8 len; u16 clobbers; }`, 16 bytes.
    public static let clobbers = RecordLayout(
        name: "clobbers", stride: 16, instr: Field(0, 8), pointer: .absolute64, type: Field(8, 1),
        length: Field(9, 1), clobbers: Field(10, 2), flags: nil, requiredFlags: 0,
        allowsShortLastRecord: true, defaultSection: ".parainstructions")

    /// Linux up to 6.7: `{ u8 *instr; u8 type; u8 len; }`, 16 bytes.
    public static let linux61 = RecordLayout(
        name: "linux-6.1", stride: 16, instr: Field(0, 8), pointer: .absolute64, type: Field(8, 1),
        length: Field(9, 1), clobbers: nil, flags: nil, requiredFlags: 0,
        allowsShortLastRecord: true, defaultSection: ".parainstructions")

    /// Linux 6.8+: packed `struct alt_instr { s32 instr_offset; s32
    /// repl_offset; u16 cpuid; u16 flags; u8 instrlen; u8 replacementlen; }`;
    /// a paravirt site has ALT_FLAG_DIRECT_CALL (bit 1) in flags.
    public static let linux68 = RecordLayout(
        name: "linux-6.8", stride: 14, instr: Field(0, 4), pointer: .relative32, type: nil,
        length: Field(12, 1), clobbers: nil, flags: Field(10, 2), requiredFlags: 1 << 1,
        allowsShortLastRecord: false, defaultSection: ".altinstructions")

    public static let presets: [RecordLayout] = [.clobbers, .linux61, .linux68]

    public static func preset(named name: String) -> RecordLayout? {
        presets.first { $0.name == name }
    }

    /// A layout from the command line:
    /// `size=16,instr=0:8,type=8:1,len=9:1[,clobbers=10:2][,flags=10:2:0x2][,rel]`.
    /// `instr=O:4` with `rel` stores a 32-bit offset from the field.
    public static func parse(_ spec: String) throws -> RecordLayout {
        if let p = preset(named: spec) { return p }
        var size: Int?, instr: Field?, type: Field?, len: Field?, clobbers: Field?, flags: Field?
        var required: UInt64 = 0
        var relative = false
        func field(_ v: Substring, _ key: Substring) throws -> Field {
            let parts = v.split(separator: ":")
            guard parts.count >= 2, let o = Int(parts[0]), let w = Int(parts[1]), o >= 0,
                  [1, 2, 4, 8].contains(w) else {
                throw LayoutError.badSpec(spec, "\(key)=\(v): want OFFSET:WIDTH with width 1, 2, 4 or 8")
            }
            return Field(o, w)
        }
        for item in spec.split(separator: ",") {
            if item == "rel" { relative = true; continue }
            let kv = item.split(separator: "=", maxSplits: 1)
            guard kv.count == 2 else { throw LayoutError.badSpec(spec, "'\(item)' is not KEY=VALUE") }
            switch kv[0] {
            case "size":
                guard let v = Int(kv[1]), v > 0, v <= 256 else { throw LayoutError.badSpec(spec, "size must be 1 to 256") }
                size = v
            case "instr": instr = try field(kv[1], kv[0])
            case "type": type = try field(kv[1], kv[0])
            case "len": len = try field(kv[1], kv[0])
            case "clobbers": clobbers = try field(kv[1], kv[0])
            case "flags":
                flags = try field(kv[1], kv[0])
                let parts = kv[1].split(separator: ":")
                if parts.count == 3 {
                    let t = parts[2].hasPrefix("0x") ? parts[2].dropFirst(2) : parts[2]
                    guard let v = UInt64(t, radix: parts[2].hasPrefix("0x") ? 16 : 10) else {
                        throw LayoutError.badSpec(spec, "flags mask '\(parts[2])' is not a number")
                    }
                    required = v
                }
            default: throw LayoutError.badSpec(spec, "unknown key '\(kv[0])'")
            }
        }
        guard let size, let instr, let len else { throw LayoutError.badSpec(spec, "size, instr and len are required") }
        for f in [instr, len] + [type, clobbers, flags].compactMap({ $0 }) where f.offset + f.width > size {
            throw LayoutError.badSpec(spec, "field at \(f.offset):\(f.width) does not fit in \(size) bytes")
        }
        if relative && instr.width != 4 { throw LayoutError.badSpec(spec, "rel needs instr=OFFSET:4") }
        if !relative && instr.width != 8 { throw LayoutError.badSpec(spec, "an absolute instr needs width 8 (or add rel)") }
        return RecordLayout(name: "custom(\(spec))", stride: size, instr: instr,
                            pointer: relative ? .relative32 : .absolute64, type: type, length: len,
                            clobbers: clobbers, flags: flags, requiredFlags: required,
                            allowsShortLastRecord: false, defaultSection: ".parainstructions")
    }

    /// How many records a section of `size` bytes holds, or nil when the
    /// size does not fit the layout.
    public func recordCount(sectionSize size: UInt64) -> Int? {
        let s = UInt64(stride)
        if size % s == 0 { return Int(size / s) }
        if allowsShortLastRecord && stride == 16 && size % 16 == 12 { return Int(size / 16) + 1 }
        return nil
    }
}

public enum LayoutError: Error, Equatable, CustomStringConvertible {
    case badSpec(String, String)

    public var description: String {
        switch self {
        case .badSpec(let spec, let why): return "bad --layout '\(spec)': \(why)"
        }
    }
}
