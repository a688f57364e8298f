// Strategy: decoded, trust the instruction that holds the relocation.
//
// Each reference was decoded anchored at its relocation (CodeReader) and
// classified by what the instruction does with the table (Classifier). Keep
// the calls and tail jumps through memory, `call *table+off(%rip)` and the
// absolute `call *table+off`, at their decoded length, with the op their
// displacement names. Every other use (load, address, compare, store) is a
// reference but not a site: a call that gcc made through a register after
// loading the op is missed here; dataflow follows it. In the direct form
// the direct calls and tail jumps to a trampoline, `call pv_tramp_<op>`,
// are sites too, five bytes, of the op the trampoline's name gives.
import SiteModel

/// `Policy.decoded`: the calls and jumps through memory.
struct DecodedPolicy {
    let table: OpsTable

    func sites(_ refs: [Reference]) -> [Site] {
        refs.filter { $0.use.isBranch && ($0.target == .table || $0.op != nil) }.map { ref in
            let kind: SiteKind = switch ref.use {
            case .callMem: .call
            case .jmpMem: .jmp
            case .callDirect: .callDirect
            default: .jmpDirect
            }
            return Site(section: ref.section, sectionIndex: ref.sectionIndex, offset: ref.offset,
                        address: ref.address, location: ref.location, length: ref.length,
                        kind: kind, op: ref.op ?? table.op(offset: 0),
                        clobbers: .cABI, evidence: ref.instruction, origin: ref.place)
        }
    }
}
