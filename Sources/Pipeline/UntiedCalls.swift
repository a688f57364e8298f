import ELF
import RelocSites
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
        // Reader and thunks made on the first question: most pairs never ask.
        let state = Mutex(State())
        return { place in
            guard let section = file.findSection(index: place.section) else { return 0 }
            return state.withLock { state in
                let reader = state.reader ?? CodeReader(file: file)
                let thunks = state.thunks ?? RetpolineThunks(file: file)
                (state.reader, state.thunks) = (reader, thunks)
                let (start, _) = reader.codeRange(section: section, offset: place.offset)
                let key = Place(section: section.index, offset: start)
                if let known = state.counts[key] { return known }
                let n = count(file: file, reader: reader, section: section, offset: place.offset,
                              sites: sites, thunks: thunks)
                state.counts[key] = n
                return n
            }
        }
    }

    private struct State {
        var reader: CodeReader?
        var thunks: RetpolineThunks?
        /// Per function start.
        var counts: [Place: Int] = [:]
    }

    private static func count(file: ObjectFile, reader: CodeReader, section: Section, offset: UInt64,
                              sites: Set<Place>, thunks: RetpolineThunks) -> Int {
        let base = file.address(of: section, offset: 0)
        var n = 0
        for insn in reader.functionInstructions(section: section, offset: offset).instructions {
            guard !sites.contains(Place(section: section.index, offset: insn.address - base)) else { continue }
            let viaThunk = (insn.isCall || insn.isUnconditionalJump) && (try? thunks.register(of: insn, in: section)) != nil
            if (insn.isCall && insn.branchTarget == nil) || viaThunk { n += 1 }
        }
        return n
    }
}
