// Strategy: relocation scanning (the 2007 proposal, done as well as it can be).
//
// Calls are plain C: `paravirt_ops.irq_disable()`. Nothing marks them, but
// every reference to the ops table leaves a relocation against its symbol
// in the object (and, with `--emit-relocs`, in the linked image). So: find
// the table symbol; walk the relocations of every executable section and
// keep those that land inside the table (directly, or through a section
// symbol plus addend in a linked image); decode the instruction that holds
// each one, anchored at the relocation, never trusting a linear sweep;
// classify what the instruction does with the table (call or tail jump
// through memory, load, address, compare, store, other). Then three
// policies turn references into sites, a file each (NaivePolicy.swift,
// DecodedPolicy.swift, DataflowPolicy.swift): `naive` takes every reference
// as a 6-byte call; `decoded` keeps calls and jumps through memory at their
// decoded length; `dataflow` also follows loads and addresses forward
// through the function to the indirect call, jump or retpoline thunk call
// that uses them, and reports that instruction, usually too short to patch.
//
// The direct form (DirectTarget.swift) adds a second target beside the
// table: relocations against per-op trampolines, `call pv_tramp_<op>`, each
// a 5-byte direct site under every policy.
