// libelf + libdw for Swift. The static inline functions turn C macros and
// awkward C types into calls Swift can make; each says why it exists.
#ifndef PVSITES_CELF_SHIM_H
#define PVSITES_CELF_SHIM_H

#include <libelf.h>
#include <gelf.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <stdint.h>
#include <stdlib.h>

// ELF64_R_SYM / ELF64_R_TYPE are macros, invisible to Swift.
static inline uint32_t pv_elf64_r_sym(uint64_t info) { return (uint32_t)ELF64_R_SYM(info); }
static inline uint32_t pv_elf64_r_type(uint64_t info) { return (uint32_t)ELF64_R_TYPE(info); }
static inline unsigned pv_elf64_st_type(unsigned char info) { return ELF64_ST_TYPE(info); }
static inline unsigned pv_elf64_st_bind(unsigned char info) { return ELF64_ST_BIND(info); }

// libdwfl's standard callbacks are functions whose addresses Swift cannot
// take as C function pointers through a struct initialiser; build the
// offline callback table here.
static inline const Dwfl_Callbacks *pv_dwfl_offline_callbacks(void) {
    static char *debuginfo_path = NULL;
    static const Dwfl_Callbacks callbacks = {
        .find_elf = dwfl_build_id_find_elf,
        .find_debuginfo = dwfl_standard_find_debuginfo,
        .section_address = dwfl_offline_section_address,
        .debuginfo_path = &debuginfo_path,
    };
    return &callbacks;
}

#endif
