import ELF
import CElf

/// Thin wrappers over libdw's DIE calls. Each returns a Swift value or nil;
/// none traps, whatever the DWARF says. Used only under `DebugInfo`'s lock.
enum DIE {
    /// DWARF tags and attributes as the Int32/UInt32 libdw takes.
    static func tag(_ die: inout Dwarf_Die) -> Int32 { dwarf_tag(&die) }

    static func offset(_ die: inout Dwarf_Die) -> UInt64 { dwarf_dieoffset(&die) }

    static func has(_ die: inout Dwarf_Die, _ attribute: Int) -> Bool {
        dwarf_hasattr(&die, UInt32(attribute)) != 0
    }

    /// An unsigned constant attribute of the DIE itself (not its origin).
    static func unsigned(_ die: inout Dwarf_Die, _ attribute: Int) -> UInt64? {
        var attr = Dwarf_Attribute()
        guard dwarf_attr(&die, UInt32(attribute), &attr) != nil else { return nil }
        var value: Dwarf_Word = 0
        return dwarf_formudata(&attr, &value) == 0 ? value : nil
    }

    /// A string attribute of the DIE itself.
    static func string(_ die: inout Dwarf_Die, _ attribute: Int) -> String? {
        var attr = Dwarf_Attribute()
        guard dwarf_attr(&die, UInt32(attribute), &attr) != nil, let s = dwarf_formstring(&attr) else { return nil }
        return String(cString: s)
    }

    /// DW_AT_name, following DW_AT_abstract_origin and DW_AT_specification.
    static func name(_ die: inout Dwarf_Die) -> String? {
        dwarf_diename(&die).map { String(cString: $0) }
    }

    /// A function's name as eu-addr2line's `get_diename` picks it: the
    /// linkage name when there is one, else DW_AT_name, both through the
    /// abstract origin.
    static func functionName(_ die: inout Dwarf_Die) -> String? {
        for attribute in [DW_AT_MIPS_linkage_name, DW_AT_linkage_name] {
            var attr = Dwarf_Attribute()
            if dwarf_attr_integrate(&die, UInt32(attribute), &attr) != nil, let s = dwarf_formstring(&attr) {
                return String(cString: s)
            }
        }
        return name(&die)
    }

    /// The DIE that DW_AT_type names, through the abstract origin.
    static func type(of die: inout Dwarf_Die) -> Dwarf_Die? {
        var attr = Dwarf_Attribute()
        guard dwarf_attr_integrate(&die, UInt32(DW_AT_type), &attr) != nil else { return nil }
        var result = Dwarf_Die()
        return dwarf_formref_die(&attr, &result) != nil ? result : nil
    }

    /// The DIE's address ranges [low, high), empty when it has none or
    /// libdw cannot read them.
    static func ranges(_ die: inout Dwarf_Die) -> [(low: UInt64, high: UInt64)] {
        var out: [(low: UInt64, high: UInt64)] = []
        var base: Dwarf_Addr = 0, start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
        var cursor: Int = 0
        // Bounded: a corrupt range list must not loop forever.
        for _ in 0 ..< 1 << 20 {
            cursor = dwarf_ranges(&die, cursor, &base, &start, &end)
            if cursor <= 0 { break }
            if end > start { out.append((start, end)) }
        }
        return out
    }

    /// Calls `body` on each child in order until it returns false.
    static func forEachChild(of parent: inout Dwarf_Die, _ body: (inout Dwarf_Die) -> Bool) {
        var child = Dwarf_Die()
        guard dwarf_child(&parent, &child) == 0 else { return }
        while body(&child) {
            var next = Dwarf_Die()
            guard dwarf_siblingof(&child, &next) == 0 else { return }
            child = next
        }
    }

    /// Follows typedefs and const/volatile/restrict/atomic qualifiers to the
    /// type underneath. Returns the last DIE reached (a qualifier of `void`
    /// stays a qualifier).
    static func stripTypedefsAndQualifiers(_ start: Dwarf_Die) -> Dwarf_Die {
        var die = start
        for _ in 0 ..< 64 {
            switch Int(tag(&die)) {
            case DW_TAG_typedef, DW_TAG_const_type, DW_TAG_volatile_type, DW_TAG_restrict_type, DW_TAG_atomic_type:
                guard let next = type(of: &die) else { return die }
                die = next
            default:
                return die
            }
        }
        return die
    }
}
