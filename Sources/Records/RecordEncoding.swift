import ELF
import MacroSites

/// A relocation the records need, as `readelf -rW` shows it: against the
/// section symbol of the site's section, addend the site's offset (what
/// `as` emits for `.quad 771b`).
public struct RecordRelocation: Sendable, Hashable, Codable {
    public let offset: UInt64
    public let type: String
    public let symbol: String
    public let addend: Int64

    public init(offset: UInt64, type: String, symbol: String, addend: Int64) {
        self.offset = offset
        self.type = type
        self.symbol = symbol
        self.addend = addend
    }
}

/// Records laid out as a `.parainstructions` section: the bytes, and the
/// relocations that fill the instruction pointers (objects; the pointers
/// are zero, RELA) or that an image linked with `--emit-relocs` keeps
/// beside the addresses (what KASLR's `relocs` tool reads).
public struct EncodedRecords: Sendable {
    public let layout: String
    public let stride: Int
    public let bytes: [UInt8]
    public let relocations: [RecordRelocation]
}

/// Lays records out in a `RecordLayout` MacroSites already describes
/// (`linux-6.1` or `clobbers`): the reader's description, written back.
public enum RecordEncoder {
    public enum EncodeError: Error, CustomStringConvertible {
        case unsupported(String)
        public var description: String {
            switch self { case .unsupported(let why): "cannot write records in this layout: \(why)" }
        }
    }

    /// The layouts records can be written in, by `--layout` name: the
    /// `.parainstructions` ones (absolute pointer and a type byte) and 6.8's
    /// `alt_instr` (DirectCallAlternative).
    public static func format(named name: String) throws -> any RecordFormat {
        guard let f = RecordFormats.find(named: name), let l = f.layout,
              (l.pointer == .absolute64 && l.type != nil && l.flags == nil) || DirectCallAlternative.fits(l) else {
            throw EncodeError.unsupported("'\(name)' (want linux-6.1, linux-6.8 or clobbers)")
        }
        return f
    }

    /// `relocatable`: the instruction pointers stay zero; otherwise they
    /// hold the addresses. Either way each has its relocation. 6.8's
    /// offsets are relative to where the record lands, so they are left to
    /// their relocations in both.
    public static func encode(_ records: [PatchRecord], format: any RecordFormat, relocatable: Bool) throws -> EncodedRecords {
        if let layout = format.layout, DirectCallAlternative.fits(layout) {
            return DirectCallAlternative.encode(records, layout: layout, name: format.name)
        }
        guard let layout = format.layout, let typeField = layout.type, layout.pointer == .absolute64 else {
            throw EncodeError.unsupported(format.name)
        }
        var bytes = [UInt8](repeating: 0, count: records.count * layout.stride)
        var relocations: [RecordRelocation] = []
        func put(_ value: UInt64, _ field: RecordLayout.Field, record i: Int) {
            for k in 0 ..< field.width { bytes[i * layout.stride + field.offset + k] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(k))) }
        }
        for (i, r) in records.enumerated() {
            // Against the site section's symbol, as `as` writes `.quad 771b`
            // and `ld --emit-relocs` keeps it.
            relocations.append(RecordRelocation(offset: UInt64(i * layout.stride + layout.instr.offset),
                                                type: RelocationType.r64.description, symbol: r.section,
                                                addend: Int64(r.offset)))
            if !relocatable { put(r.address, layout.instr, record: i) }
            put(UInt64(r.type), typeField, record: i)
            put(UInt64(r.length), layout.length, record: i)
            if let c = layout.clobbers { put(UInt64(r.clobbers), c, record: i) }
        }
        return EncodedRecords(layout: format.name, stride: layout.stride, bytes: bytes, relocations: relocations)
    }

    /// The records as assembler source that links them: a
    /// `.parainstructions` section of `.quad func+off` (an object: the
    /// function's symbol, so it links beside the object when the function
    /// is global; a static one is named only inside its own unit) or
    /// `.quad 0x...` (a linked image's absolute addresses), then the layout's
    /// other fields, padded to the stride. `base`, for an image: addresses
    /// are written `.quad _text + 0x...`, so that linking them into the
    /// image again gives each an R_X86_64_64 relocation against the symbol,
    /// which `--emit-relocs` keeps and KASLR's `relocs` tool applies (an
    /// absolute `.quad 0x...` would patch the unrelocated address). `name`,
    /// when it gives one, names a record's site instead (6.8's records
    /// against a global symbol objtool can resolve in vmlinux.o).
    public static func assembly(_ records: [PatchRecord], format: any RecordFormat, relocatable: Bool,
                                header: String, base: (symbol: String, address: UInt64)? = nil,
                                name: ((PatchRecord) -> String?)? = nil) throws -> String {
        func address(_ r: PatchRecord) -> String {
            if relocatable { return r.location }
            if let n = name?(r) { return n }
            if let base, r.address >= base.address { return "\(base.symbol) + 0x" + String(r.address - base.address, radix: 16) }
            return "0x" + String(r.address, radix: 16)
        }
        if let layout = format.layout, DirectCallAlternative.fits(layout) {
            return DirectCallAlternative.assembly(records, address: address, header: header)
        }
        guard let layout = format.layout, let typeField = layout.type else { throw EncodeError.unsupported(format.name) }
        var fields: [(RecordLayout.Field, (PatchRecord) -> String)] = [
            (layout.instr, address),
            (typeField, { "0x" + String($0.type, radix: 16) }),
            (layout.length, { String($0.length) }),
        ]
        if let c = layout.clobbers { fields.append((c, { "0x" + String($0.clobbers, radix: 16) })) }
        fields.sort { $0.0.offset < $1.0.offset }
        let directive = [1: ".byte", 2: ".short", 4: ".long", 8: ".quad"]
        var out = header.split(separator: "\n").map { "/* \($0) */\n" }.joined()
        out += "\t.pushsection .parainstructions,\"a\"\n\t.balign 8\n"
        for r in records {
            var at = 0
            var line = ""
            for (field, value) in fields {
                if field.offset > at { line += "\t.skip \(field.offset - at)\n" }
                line += "\t\(directive[field.width] ?? ".byte")\t\(value(r))\n"
                at = field.offset + field.width
            }
            if layout.stride > at { line += "\t.skip \(layout.stride - at)\n" }
            out += "\t/* \(r.location): \(r.op), len \(r.length) */\n" + line
        }
        out += "\t.popsection\n"
        return out
    }
}
