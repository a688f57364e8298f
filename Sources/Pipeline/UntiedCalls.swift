import ELF
import SiteModel
import Synchronization
import X86

/// The indirect calls a function makes that the scan tied to no table
/// reference: `call *%reg`, `call *mem` and calls or jumps to a retpoline
/// thunk that are no site of the scan. A plain build that calls an op
/// through another table (or a pointer from anywhere) at a record's line
/// has such a call; one whose compiler merged two calls of the op has
/// none. Evidence asks only for the functions where a miss would otherwise
/// be put down to merged calls, so a function is swept on demand.
enum UntiedCalls {
    /// `sites`: the places of every site of the scan (dataflow's). Each
    /// function is swept once; the counter may be asked from any thread.
    static func counter(file: ObjectFile, sites: Set<Place>) -> @Sendable (Place) -> Int {
        let thunks = Set(file.findSymbolIndices(withPrefix: "__x86_indirect_thunk_"))
        let state = Mutex(State(reader: CodeReader(file: file)))
        return { place in
            guard let section = file.findSection(index: place.section) else { return 0 }
            return state.withLock { state in
                let (start, _) = state.reader.codeRange(section: section, offset: place.offset)
                let key = Place(section: section.index, offset: start)
                if let known = state.counts[key] { return known }
                let n = count(file: file, reader: state.reader, section: section, offset: place.offset,
                              sites: sites, thunks: thunks)
                state.counts[key] = n
                return n
            }
        }
    }

    private struct State {
        let reader: CodeReader
        /// Per function start.
        var counts: [Place: Int] = [:]
    }

    private static func count(file: ObjectFile, reader: CodeReader, section: Section, offset: UInt64,
                              sites: Set<Place>, thunks: Set<Int>) -> Int {
        let base = file.address(of: section, offset: 0)
        let relocations = (try? file.relocations(patching: section)) ?? .empty
        var n = 0
        for insn in reader.functionInstructions(section: section, offset: offset).instructions {
            let at = insn.address - base
            guard !sites.contains(Place(section: section.index, offset: at)) else { continue }
            let viaThunk = insn.branchTarget != nil && (insn.isCall || insn.isUnconditionalJump) && insn.length > 1
                && isThunk(file: file, relocations: relocations, thunks: thunks, insn: insn, offset: at)
            if (insn.isCall && insn.branchTarget == nil) || viaThunk { n += 1 }
        }
        return n
    }

    /// A call or jump whose target is `__x86_indirect_thunk_<reg>`: by its
    /// relocation (objects, images linked with --emit-relocs), else by the
    /// symbol at its target.
    private static func isThunk(file: ObjectFile, relocations: RelocationIndex, thunks: Set<Int>,
                                insn: Instruction, offset: UInt64) -> Bool {
        if !thunks.isEmpty, relocations.all(in: offset + 1 ..< offset + UInt64(insn.length))
            .contains(where: { thunks.contains($0.symbolIndex) }) { return true }
        guard !file.isRelocatable, let target = insn.branchTarget, let sec = file.findSection(containingAddress: target),
              let (sym, delta) = file.findFunction(section: sec.index, offset: target - sec.address), delta == 0 else { return false }
        return sym.name.hasPrefix("__x86_indirect_thunk_")
    }
}
