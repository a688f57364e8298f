import ELF
import X86

/// Calls and jumps to a retpoline thunk (`__x86_indirect_thunk_<reg>`):
/// which register they branch through. Told by the relocation in the
/// branch's field (objects, images linked with --emit-relocs), else by the
/// symbol at its target (images). One answer for the dataflow walk and
/// for the comparison's count of calls the scan left untied.
public struct RetpolineThunks: Sendable {
    public static let prefix = "__x86_indirect_thunk_"
    let file: ObjectFile
    let symbols: SymbolSet

    /// Reads the symbol table for the thunks once.
    public init(file: ObjectFile) {
        self.file = file
        symbols = SymbolSet(file.findSymbolIndices(withPrefix: Self.prefix), capacity: file.symbolCount)
    }

    /// The register a call or jump to a thunk branches through; nil for
    /// any other instruction. Throws when the section's relocations cannot
    /// be read.
    public func register(of insn: Instruction, in section: Section) throws -> Register? {
        guard insn.branchTarget != nil else { return nil }
        let offset = insn.address - file.address(of: section, offset: 0)
        var name: String?
        // The branch's field: past the opcode, inside the instruction.
        if !symbols.isEmpty, insn.length > 1 {
            name = try file.relocations(patching: section).all(in: offset + 1 ..< offset + UInt64(insn.length))
                .first { symbols.contains($0.symbolIndex) }
                .map { file.symbolName(index: $0.symbolIndex) }
        }
        if name == nil, !file.isRelocatable, let target = insn.branchTarget,
           let sec = file.findSection(containingAddress: target),
           let (sym, delta) = file.findFunction(section: sec.index, offset: target - sec.address), delta == 0 {
            name = sym.name
        }
        guard let name, name.hasPrefix(Self.prefix) else { return nil }
        return Register(name: String(name.dropFirst(Self.prefix.count)))
    }
}
