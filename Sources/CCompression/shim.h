// The decompressors distributions use for kernel modules (.ko.xz, .ko.zst,
// .ko.gz). Only ObjectFile's Decompression.swift uses them.
#ifndef PVSITES_CCOMPRESSION_SHIM_H
#define PVSITES_CCOMPRESSION_SHIM_H

#include <lzma.h>
#include <zstd.h>
#include <zlib.h>

// LZMA_STREAM_INIT is a macro initialiser.
static inline lzma_stream pv_lzma_stream_init(void) {
    lzma_stream s = LZMA_STREAM_INIT;
    return s;
}
// inflateInit2 is a macro around inflateInit2_ with the library version.
static inline int pv_inflate_init_gzip(z_stream *s) {
    return inflateInit2(s, 15 + 32);  // 15-bit window, accept gzip and zlib headers
}

#endif
