import ELF
import CElf

/// One member of a struct, flattened: nested structs become dotted names
/// (`irq.save_fl`), with offsets from the start of the outermost struct.
///
/// Flattening rules:
/// - a member whose type is a struct with exactly one (flattened) member
///   is that member under the outer name: Linux's
///   `struct paravirt_callee_save { void *func; } save_fl` inside `irq`
///   reads `irq.save_fl`, not `irq.save_fl.func`; `wrapperType` then names
///   the wrapper (`struct paravirt_callee_save`);
/// - a union stands for its first member;
/// - an anonymous struct or union adds its members without a prefix;
/// - an array of structs, unions or function pointers becomes
///   `name[0]`, `name[1]`, ...; any other array is one member;
/// - bitfields, and members without DW_AT_data_member_location in a
///   struct, are skipped.
public struct StructMember: Sendable, Hashable, Codable, CustomStringConvertible {
    public let name: String
    public let offset: UInt64
    public let size: UInt64
    /// The member's type, through typedefs and qualifiers, is a pointer to
    /// a function. False for a collapsed `void *func` wrapper.
    public let isFunctionPointer: Bool
    /// `struct paravirt_callee_save` when this member is the single member
    /// of that struct (or the first member of a union), collapsed to the
    /// outer name; nil otherwise.
    public let wrapperType: String?

    public init(name: String, offset: UInt64, size: UInt64, isFunctionPointer: Bool, wrapperType: String? = nil) {
        self.name = name
        self.offset = offset
        self.size = size
        self.isFunctionPointer = isFunctionPointer
        self.wrapperType = wrapperType
    }

    public var description: String { "\(name) @\(offset) (\(size) bytes)" }
}

extension DebugInfoSession {
    func structMembers(named name: String) -> [StructMember]? {
        let key = "struct " + name
        if let cached = layoutCache[key] { return cached }
        var result: [StructMember]?
        forEachUnitTopLevelDIE { die in
            guard Int(DIE.tag(&die)) == DW_TAG_structure_type, !DIE.has(&die, DW_AT_declaration),
                  DIE.name(&die) == name else { return true }
            result = StructFlattener().members(of: die)
            return false
        }
        layoutCache[key] = .some(result)
        return result
    }

    func variableMembers(named name: String) -> [StructMember]? {
        let key = "variable " + name
        if let cached = layoutCache[key] { return cached }
        var type: Dwarf_Die?
        forEachUnitTopLevelDIE { die in
            guard Int(DIE.tag(&die)) == DW_TAG_variable, DIE.name(&die) == name,
                  let t = DIE.type(of: &die) else { return true }
            type = t
            return false
        }
        var result: [StructMember]?
        if let type {
            var t = DIE.stripTypedefsAndQualifiers(type)
            let tag = Int(DIE.tag(&t))
            if tag == DW_TAG_structure_type || tag == DW_TAG_union_type {
                if DIE.has(&t, DW_AT_declaration) {
                    // An incomplete type in this unit: find the definition.
                    if tag == DW_TAG_structure_type, let tagName = DIE.name(&t) {
                        result = structMembers(named: tagName)
                    }
                } else {
                    result = StructFlattener().members(of: t)
                }
            }
        }
        layoutCache[key] = .some(result)
        return result
    }

    /// Every unit's top-level DIEs, in file order, until `body` returns false.
    private func forEachUnitTopLevelDIE(_ body: (inout Dwarf_Die) -> Bool) {
        var unit: OpaquePointer?
        var version: Dwarf_Half = 0
        var unitType: UInt8 = 0
        // Bounded by the units in the file; the cap stops a corrupt chain.
        for _ in 0 ..< 10_000_000 {
            var next: OpaquePointer?
            var cudie = Dwarf_Die()
            guard dwarf_get_units(dwarf, unit, &next, &version, &unitType, &cudie, nil) == 0 else { return }
            unit = next
            var keepGoing = true
            DIE.forEachChild(of: &cudie) { child in
                keepGoing = body(&child)
                return keepGoing
            }
            if !keepGoing { return }
        }
    }
}

/// Walks a struct type's members into `StructMember`s.
struct StructFlattener {
    /// Arrays longer than this stay one member.
    static let maxArrayElements: UInt64 = 4096
    static let maxDepth = 32

    func members(of type: Dwarf_Die) -> [StructMember] {
        flatten(type, prefix: "", base: 0, depth: 0)
    }

    private func flatten(_ type: Dwarf_Die, prefix: String, base: UInt64, depth: Int) -> [StructMember] {
        guard depth < Self.maxDepth else { return [] }
        var t = type
        let isUnion = Int(DIE.tag(&t)) == DW_TAG_union_type
        var out: [StructMember] = []
        DIE.forEachChild(of: &t) { member in
            guard Int(DIE.tag(&member)) == DW_TAG_member else { return true }
            if DIE.has(&member, DW_AT_bit_size) || DIE.has(&member, DW_AT_data_bit_offset) { return true }
            let location: UInt64
            if let l = Self.memberLocation(&member) {
                location = l
            } else if isUnion {
                location = 0
            } else {
                return true
            }
            let name = DIE.name(&member)
            let fullName = name.map { prefix.isEmpty ? $0 : prefix + "." + $0 }
            var added: [StructMember] = []
            if let memberType = DIE.type(of: &member) {
                added = flattenMember(type: memberType, name: fullName, prefix: prefix, offset: base &+ location,
                                      depth: depth)
            }
            out += added
            // A union stands for its first member.
            return !(isUnion && !added.isEmpty)
        }
        return out
    }

    /// One member of type `type` at `offset`, named `name` (the full
    /// dotted name), or nil when anonymous: its members then join `prefix`.
    private func flattenMember(type: Dwarf_Die, name: String?, prefix: String, offset: UInt64,
                               depth: Int) -> [StructMember] {
        var t = DIE.stripTypedefsAndQualifiers(type)
        let tag = Int(DIE.tag(&t))
        if tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type {
            let inner = flatten(t, prefix: name ?? prefix, base: offset, depth: depth + 1)
            guard let name else { return inner }  // anonymous: spliced in
            if inner.count == 1 {
                let only = inner[0]
                let keyword = tag == DW_TAG_union_type ? "union" : "struct"
                let wrapper = "\(keyword) \(DIE.name(&t) ?? "<anonymous>")"
                return [StructMember(name: name, offset: only.offset, size: only.size,
                                     isFunctionPointer: only.isFunctionPointer, wrapperType: wrapper)]
            }
            return inner
        }
        guard let name else { return [] }
        if tag == DW_TAG_array_type, let elements = flattenArray(t, name: name, offset: offset, depth: depth) {
            return elements
        }
        return [StructMember(name: name, offset: offset, size: Self.size(of: t), isFunctionPointer: Self.isFunctionPointer(t))]
    }

    /// `name[i]` for arrays of structs, unions or function pointers with a
    /// known, modest length; nil to keep the array as one member.
    private func flattenArray(_ array: Dwarf_Die, name: String, offset: UInt64, depth: Int) -> [StructMember]? {
        var a = array
        var bounds: [UInt64] = []
        DIE.forEachChild(of: &a) { sub in
            guard Int(DIE.tag(&sub)) == DW_TAG_subrange_type else { return true }
            if let count = DIE.unsigned(&sub, DW_AT_count) {
                bounds.append(count)
            } else if let upper = DIE.unsigned(&sub, DW_AT_upper_bound), upper < UInt64.max {
                // A lower bound above the upper one wraps, and fails the count check below.
                bounds.append(upper + 1 &- (DIE.unsigned(&sub, DW_AT_lower_bound) ?? 0))
            } else {
                bounds.append(0)
            }
            return true
        }
        guard bounds.count == 1, let count = bounds.first, count > 0, count <= Self.maxArrayElements,
              let elementType = DIE.type(of: &a) else { return nil }
        var element = DIE.stripTypedefsAndQualifiers(elementType)
        let tag = Int(DIE.tag(&element))
        let aggregate = tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_class_type
        guard aggregate || Self.isFunctionPointer(element) else { return nil }
        let stride = Self.size(of: element)
        guard stride > 0 else { return nil }
        var out: [StructMember] = []
        for i in 0 ..< count {
            out += flattenMember(type: elementType, name: "\(name)[\(i)]", prefix: name, offset: offset &+ i &* stride,
                                 depth: depth + 1)
        }
        return out
    }

    /// DW_AT_data_member_location: a constant, or (DWARF 2/3) an expression
    /// `DW_OP_plus_uconst N`.
    private static func memberLocation(_ member: inout Dwarf_Die) -> UInt64? {
        var attr = Dwarf_Attribute()
        guard dwarf_attr(&member, UInt32(DW_AT_data_member_location), &attr) != nil else { return nil }
        var value: Dwarf_Word = 0
        if dwarf_formudata(&attr, &value) == 0 { return value }
        var ops: UnsafeMutablePointer<Dwarf_Op>?
        var count = 0
        guard dwarf_getlocation(&attr, &ops, &count) == 0, let ops, count == 1 else { return nil }
        let op = ops[0]
        guard Int(op.atom) == DW_OP_plus_uconst || Int(op.atom) == DW_OP_constu else { return nil }
        return op.number
    }

    private static func size(of type: Dwarf_Die) -> UInt64 {
        var t = type
        var size: Dwarf_Word = 0
        if dwarf_aggregate_size(&t, &size) == 0 { return size }
        let stripped = DIE.stripTypedefsAndQualifiers(type)
        var s = stripped
        let tag = Int(DIE.tag(&s))
        // gcc always gives pointers DW_AT_byte_size; x86-64 when it does not.
        return tag == DW_TAG_pointer_type || tag == DW_TAG_reference_type ? 8 : 0
    }

    /// A pointer (through typedefs and qualifiers) to a subroutine type.
    static func isFunctionPointer(_ type: Dwarf_Die) -> Bool {
        var t = DIE.stripTypedefsAndQualifiers(type)
        guard Int(DIE.tag(&t)) == DW_TAG_pointer_type, let target = DIE.type(of: &t) else { return false }
        var pointee = DIE.stripTypedefsAndQualifiers(target)
        return Int(DIE.tag(&pointee)) == DW_TAG_subroutine_type
    }
}
