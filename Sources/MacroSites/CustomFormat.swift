/// A layout given on the command line as a SPEC:
/// `size=16,instr=0:8,type=8:1,len=9:1[,clobbers=10:2][,flags=10:2:0x2][,rel]`.
/// `instr=O:4` with `rel` stores a 32-bit offset from the field. Records
/// live in `.parainstructions` unless `--section` says otherwise. It fits
/// any section that is a whole number of its records.
public struct CustomFormat: RecordFormat {
    /// The SPEC as given.
    public let spec: String
    public let recordLayout: RecordLayout

    public var name: String { "custom(\(spec))" }
    public var defaultSection: String { ".parainstructions" }
    public var layout: RecordLayout? { recordLayout }

    public func fit(_ section: RecordSection) -> String? {
        guard recordLayout.recordCount(sectionSize: section.size) != nil else { return nil }
        return "\(section.size) bytes: a whole number of \(recordLayout.stride)-byte records"
    }
}

extension CustomFormat {
    /// Parse a SPEC (not a preset name: `RecordFormats.parse` tries those).
    public init(spec: String) throws {
        typealias Field = RecordLayout.Field
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
        self.spec = spec
        recordLayout = RecordLayout(stride: size, instr: instr, pointer: relative ? .relative32 : .absolute64,
                                    type: type, length: len, clobbers: clobbers, flags: flags,
                                    requiredFlags: required, allowsShortLastRecord: false)
    }
}
