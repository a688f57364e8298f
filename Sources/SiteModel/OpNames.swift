import DebugInfo
import ELF

/// Field offset → member name of the ops table (`0x18` → `irq.save_fl`):
/// the one place op names are decided. Field offsets are the identity of
/// an op; names are for people, and for the direct form, whose trampolines
/// (`pv_tramp_irq_save_fl`) say their op by name only.
///
/// The sources, each a function below, in the order they are trusted:
/// - names given by the caller (a study passes the whole table's, from
///   `firstNaming(paths:)`, so that every pair names ops alike);
/// - the DWARF of the file's table variable (`tableLayout`), else of the
///   table's struct type (`tableType`: a direct-form object that only calls
///   trampolines can still describe the struct);
/// - the other build of the pair (`crossBuild`): clang emits no DWARF for
///   an extern declaration, so a clang object that only uses the table
///   names none of its fields, while the other build, a linked image or the
///   object defining the table does;
/// - the symbol table: a trampoline's op by its name (`trampolineOffsets`),
///   and a defined trampoline the names do not cover named after its
///   symbol (`Trampolines.resolve`).
/// A new source of names is one more function here, used by `own` or
/// `crossBuild`; the callers (RelocScan, Analysis, the studies, `macro`)
/// only pick which files to read.
public struct OpNames: Sendable, Hashable, ExpressibleByDictionaryLiteral {
    public private(set) var byOffset: [Int64: String]

    public init(_ byOffset: [Int64: String] = [:]) { self.byOffset = byOffset }

    public init(dictionaryLiteral elements: (Int64, String)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { first, _ in first }))
    }

    /// Flattened DWARF members; at a shared offset (a union) the first wins.
    public init(members: [StructMember]) {
        var names: [Int64: String] = [:]
        for m in members where names[Int64(clamping: m.offset)] == nil { names[Int64(clamping: m.offset)] = m.name }
        self.init(names)
    }

    /// The names of ops already named (a scan's sites and references).
    public init(ops: some Sequence<Op>) {
        var names: [Int64: String] = [:]
        for op in ops { if let name = op.name { names[op.offset] = name } }
        self.init(names)
    }

    public var isEmpty: Bool { byOffset.isEmpty }
    public var count: Int { byOffset.count }
    public subscript(offset: Int64) -> String? { byOffset[offset] }

    /// The op at field offset `offset`, named when known.
    public func op(offset: Int64) -> Op { Op(offset: offset, name: byOffset[offset]) }

    /// These names, with the fields they lack named from `other`.
    public func filled(from other: OpNames) -> OpNames {
        OpNames(byOffset.merging(other.byOffset) { mine, _ in mine })
    }

    /// These names, with `other`'s taking their place where both name a field.
    public func overridden(by other: OpNames) -> OpNames {
        OpNames(byOffset.merging(other.byOffset) { _, theirs in theirs })
    }

    /// Sites whose op has no name, named from these.
    public func name(_ sites: [Site]) -> [Site] {
        isEmpty ? sites : sites.map { $0.op.name == nil ? $0.with(op: $0.op.named(from: self)) : $0 }
    }

    /// A trampoline's name after its prefix → its field: a flattened
    /// name's dots may be written as underscores in the symbol
    /// (`irq.save_fl` is `pv_tramp_irq_save_fl`); the lowest field wins.
    public var trampolineOffsets: [String: Int64] {
        var byName: [String: Int64] = [:]
        for (offset, name) in byOffset.sorted(by: { $0.key < $1.key }) {
            if byName[name] == nil { byName[name] = offset }
            let flat = String(name.map { $0 == "." ? "_" : $0 })
            if byName[flat] == nil { byName[flat] = offset }
        }
        return byName
    }
}

// MARK: - Sources

extension OpNames {
    /// The table symbol of `file`: `symbol`, or the first default one present.
    public static func tableSymbol(in file: ObjectFile, symbol: String?) -> String? {
        (symbol.map { [$0] } ?? OpsTable.defaultSymbols).first { !file.findSymbols(named: $0).isEmpty }
    }

    /// The DWARF of the table variable `symbol`: its names, and the end of
    /// its last member (the table's size as DWARF knows it; nil without
    /// members). Nil when the
    /// DWARF does not describe the variable.
    public static func tableLayout(_ info: DebugInfo?, symbol: String) -> (names: OpNames, end: Int64?)? {
        guard let info, let list = info.variableMembers(named: symbol) else { return nil }
        var end: Int64?
        if let last = list.max(by: { $0.offset < $1.offset }) {
            // Sizes and offsets are the file's: clamp, never trap.
            let (e, overflow) = last.offset.addingReportingOverflow(max(last.size, 1))
            end = overflow ? .max : Int64(clamping: e)
        }
        return (OpNames(members: list), end)
    }

    /// The DWARF of the table's struct type, for a file that calls
    /// trampolines without naming the table (its DWARF still describes the
    /// struct when a header's inline function uses a data field): tried by
    /// the table symbol's names, then Linux's `struct paravirt_patch_template`.
    public static func tableType(_ info: DebugInfo?, symbol: String?) -> OpNames {
        guard let info else { return [:] }
        for name in (symbol.map { [$0] } ?? OpsTable.defaultSymbols) + ["paravirt_patch_template"] {
            if let m = info.structMembers(named: name), !m.isEmpty { return OpNames(members: m) }
        }
        return [:]
    }

    /// A file's own names: the DWARF of its table variable when it has the
    /// table symbol and describes it, else of the table's struct type.
    public static func own(_ file: ObjectFile, symbol: String?, debugInfo: DebugInfo?) -> OpNames {
        if let name = tableSymbol(in: file, symbol: symbol),
           let variable = tableLayout(debugInfo, symbol: name)?.names, !variable.isEmpty {
            return variable
        }
        return tableType(debugInfo, symbol: symbol)
    }

    /// The names of a pair (or more) of builds of the same source, from each
    /// one's own DWARF; the first file that names a field wins.
    public static func crossBuild(_ files: [ObjectFile], symbol: String?) -> OpNames {
        files.reduce(into: OpNames()) { names, file in
            names = names.filled(from: own(file, symbol: symbol, debugInfo: try? file.openDebugInfo()))
        }
    }

    /// The whole table's names for a study: the own names of the first of
    /// `paths` that has any (asm-only objects and clang objects that only
    /// use the table carry none), so that every pair of the study names
    /// ops alike, those no object of the pair names included.
    public static func firstNaming(paths: [String], symbol: String? = nil) -> OpNames {
        for path in paths {
            guard let file = try? ObjectFile(path: path) else { continue }
            let names = own(file, symbol: symbol, debugInfo: try? file.openDebugInfo())
            if !names.isEmpty { return names }
        }
        return [:]
    }
}
