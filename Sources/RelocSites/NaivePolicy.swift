// Strategy: naive, the 2007 proposal taken literally.
//
// Every reference to the table in code is a call site. The relocation is
// taken to be the disp32 of `ff 15 <disp32>`, `call *table+off(%rip)`, so
// the site starts two bytes before it and is sizeof(indirect call), six
// bytes, long; the op is the field the relocation points at. Nothing is
// decoded: a load, a compare, a store, a 7-byte absolute call are all taken
// for 6-byte calls, and the comparison counts the guesses that do not start
// at an instruction or are not such a call as misplaced. A relocation
// against a trampoline (the direct form) is taken, just as literally, for
// the rel32 of `e8 <rel32>`, `call pv_tramp_<op>`: a 5-byte call one byte
// before it.
import ELF
import SiteModel

/// `Policy.naive`: one 6-byte call per reference, two bytes before its
/// relocation.
struct NaivePolicy {
    let file: ObjectFile
    let table: OpsTable

    func sites(_ refs: [Reference]) -> [Site] {
        refs.compactMap { ref in
            let direct = ref.target == .trampoline
            if direct && ref.op == nil { return nil }
            let back: UInt64 = direct ? 1 : 2
            let start = ref.relocationOffset >= back ? ref.relocationOffset - back : 0
            let op = direct ? ref.op! : table.op(offset: ref.op?.offset ?? 0)
            return Site(section: ref.section, sectionIndex: ref.sectionIndex, offset: start,
                        address: ref.address &- ref.offset &+ start,
                        location: file.describe(section: ref.sectionIndex, offset: start),
                        length: direct ? Policy.assumedDirectLength : Policy.assumedLength,
                        kind: direct ? .callDirect : .call, op: op,
                        clobbers: .cABI, evidence: "\(ref.relocationType) at +\(hex(ref.relocationOffset - start))",
                        origin: ref.place)
        }
    }
}
