import ELF

/// How records linked into vmlinux.o name their sites (Linux 6.8+). objtool
/// reads vmlinux.o's `.altinstructions` and must find each original
/// instruction there, so a site cannot be written against `_text`, which
/// only the final link defines (objtool: "special: can't find orig
/// instruction", then no ORC tables and no vmlinux). It is written against
/// a global symbol of the vmlinux.o section that holds it (`sym + off`):
/// `ld -r` keeps that relocation, objtool resolves it, and the distance
/// holds in the image because an input section is placed whole. (Learnt
/// by linking: 6.12 with retpolines pads functions and objtool names the
/// padding `__pfx_<function>` in vmlinux.o, a symbol the records' own link
/// cannot see.)
struct RecordAnchors {
    struct Anchor: Equatable {
        let symbol: String
        let address: UInt64
    }

    /// vmlinux.o's code sections as the image placed them.
    private var placed: [(start: UInt64, size: UInt64, anchor: Anchor)] = []

    /// `object`: vmlinux.o; `image`: the vmlinux linked from it.
    init(object: ObjectFile, image: ObjectFile) {
        var inImage: [String: UInt64] = [:]
        for s in image.symbols where s.binding == .global && s.definingSection != nil { inImage[s.name] = s.value }
        var bySection: [Int: [Symbol]] = [:]
        // Not the symbols objtool adds to vmlinux.o after linking it
        // (`__pfx_` before each function with call padding, `__cfi_`): the
        // records are part of what is linked, before they exist.
        for s in object.symbols where s.binding == .global && !Self.addedByObjtool(s.name) {
            if let i = s.definingSection, inImage[s.name] != nil { bySection[i, default: []].append(s) }
        }
        for section in object.sections where section.isExecutable {
            guard let globals = bySection[section.index]?.sorted(by: { ($0.value, $0.name) < ($1.value, $1.name) }),
                  let first = globals.first, let address = inImage[first.name], address >= first.value else { continue }
            let start = address - first.value
            // Every global of the section must agree on where it starts.
            guard globals.allSatisfy({ inImage[$0.name] == start + $0.value }) else { continue }
            placed.append((start, section.size, Anchor(symbol: first.name, address: address)))
        }
    }

    static func addedByObjtool(_ name: String) -> Bool {
        name.hasPrefix("__pfx_") || name.hasPrefix("__cfi_")
    }

    /// The anchor of the section holding `address`, nil when no placed
    /// section with a global symbol holds it.
    func anchor(for address: UInt64) -> Anchor? {
        placed.first { $0.start <= address && address < $0.start + $0.size }?.anchor
    }

    /// `sym + 0x1a` (or `sym - 0x1a`) for `address`.
    func name(_ address: UInt64) -> String? {
        guard let a = anchor(for: address) else { return nil }
        return address >= a.address ? "\(a.symbol) + 0x" + String(address - a.address, radix: 16)
            : "\(a.symbol) - 0x" + String(a.address - address, radix: 16)
    }
}
