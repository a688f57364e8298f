// capstone for Swift. Its operand arrays are fixed-size C arrays, which
// Swift imports as tuples; these accessors index them safely.
#ifndef PVSITES_CCAPSTONE_SHIM_H
#define PVSITES_CCAPSTONE_SHIM_H

#include <capstone/capstone.h>
#include <stdint.h>

static inline const cs_x86 *pv_cs_x86(const cs_insn *insn) {
    return insn->detail ? &insn->detail->x86 : 0;
}
static inline const cs_x86_op *pv_cs_x86_operand(const cs_insn *insn, unsigned i) {
    const cs_x86 *x = pv_cs_x86(insn);
    return (x && i < x->op_count) ? &x->operands[i] : 0;
}
static inline uint8_t pv_cs_x86_prefix(const cs_insn *insn, unsigned i) {
    const cs_x86 *x = pv_cs_x86(insn);
    return (x && i < 4) ? x->prefix[i] : 0;
}
static inline uint8_t pv_cs_x86_opcode(const cs_insn *insn, unsigned i) {
    const cs_x86 *x = pv_cs_x86(insn);
    return (x && i < 4) ? x->opcode[i] : 0;
}
static inline uint8_t pv_cs_groups_count(const cs_insn *insn) {
    return insn->detail ? insn->detail->groups_count : 0;
}
static inline uint8_t pv_cs_group(const cs_insn *insn, unsigned i) {
    return (insn->detail && i < insn->detail->groups_count) ? insn->detail->groups[i] : 0;
}
static inline const char *pv_cs_mnemonic(const cs_insn *insn) { return insn->mnemonic; }
static inline const char *pv_cs_op_str(const cs_insn *insn) { return insn->op_str; }
static inline const uint8_t *pv_cs_bytes(const cs_insn *insn) { return insn->bytes; }

#endif
