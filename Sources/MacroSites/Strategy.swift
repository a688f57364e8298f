// Strategy: annotated macros (what Linux does).
//
// Every paravirt call is written through a macro that emits the call as
// inline asm and, beside it, a record in a section of its own
// (`.parainstructions`; since Linux 6.8, `.altinstructions` entries with
// the direct-call flag). The record says where the site is, how long it
// is, which op it calls and, in some layouts, what it clobbers. Reading the
// sites back is therefore bookkeeping, not analysis: find the section,
// choose the record layout (from the evidence, or as told), resolve each
// record's instruction pointer through the section's relocations (objects)
// or the stored value (linked images), name the op from the table's DWARF
// type, and validate every record against the bytes it points at, warning
// with the record's index when one does not hold up.
