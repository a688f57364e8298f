import CCompression
#if canImport(Glibc)
import Glibc
#endif

/// The compressed containers distributions ship kernel modules in.
public enum CompressionFormat: String, Sendable {
    case xz, zstd, gzip

    /// Recognise a container by its magic bytes.
    static func detect(_ head: UnsafeRawBufferPointer) -> CompressionFormat? {
        let b = Array(head.prefix(6))
        if b.count >= 6, b == [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] { return .xz }
        if b.count >= 4, b[0] == 0x28, b[1] == 0xB5, b[2] == 0x2F, b[3] == 0xFD { return .zstd }
        if b.count >= 2, b[0] == 0x1F, b[1] == 0x8B { return .gzip }
        return nil
    }
}

/// A malloc'd buffer that owns decompressed bytes until the ObjectFile ends.
final class OwnedBuffer {
    private(set) var pointer: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 4096)
        self.pointer = malloc(self.capacity)!
    }

    deinit { free(pointer) }

    /// Grow so that at least `extra` more bytes fit after `count`.
    func reserve(extra: Int) {
        guard count + extra > capacity else { return }
        var next = capacity
        while next < count + extra { next *= 2 }
        pointer = realloc(pointer, next)!
        capacity = next
    }
}

/// Decompress a whole kernel module in memory, through the library made for
/// the format (never a subprocess). Bombs are cut off at `limit` bytes.
enum Decompression {
    static let limit = 4 << 30

    static func decompress(_ input: UnsafeRawBufferPointer, format: CompressionFormat,
                           path: String) throws -> OwnedBuffer {
        switch format {
        case .xz: return try xz(input, path: path)
        case .zstd: return try zstd(input, path: path)
        case .gzip: return try gzip(input, path: path)
        }
    }

    private static func fail(_ path: String, _ format: CompressionFormat, _ reason: String) -> ObjectFileError {
        .decompression(path: path, format: format.rawValue, reason: reason)
    }

    private static func xz(_ input: UnsafeRawBufferPointer, path: String) throws -> OwnedBuffer {
        var stream = pv_lzma_stream_init()
        guard lzma_stream_decoder(&stream, UInt64.max, 0x08 /* LZMA_CONCATENATED */) == LZMA_OK else {
            throw fail(path, .xz, "decoder initialisation failed")
        }
        defer { lzma_end(&stream) }
        let out = OwnedBuffer(capacity: input.count * 4)
        stream.next_in = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.avail_in = input.count
        while true {
            out.reserve(extra: 1 << 16)
            stream.next_out = (out.pointer + out.count).assumingMemoryBound(to: UInt8.self)
            stream.avail_out = out.capacity - out.count
            let before = stream.avail_out
            let ret = lzma_code(&stream, stream.avail_in == 0 ? LZMA_FINISH : LZMA_RUN)
            out.count += before - stream.avail_out
            if ret == LZMA_STREAM_END { return out }
            if ret == LZMA_BUF_ERROR && stream.avail_in == 0 { throw fail(path, .xz, "truncated stream") }
            guard ret == LZMA_OK else { throw fail(path, .xz, "corrupt stream (lzma error \(ret.rawValue))") }
            if out.count > limit { throw fail(path, .xz, "output larger than \(limit) bytes") }
        }
    }

    private static func zstd(_ input: UnsafeRawBufferPointer, path: String) throws -> OwnedBuffer {
        guard let ctx = ZSTD_createDStream() else { throw fail(path, .zstd, "out of memory") }
        defer { ZSTD_freeDStream(ctx) }
        ZSTD_initDStream(ctx)
        let known = ZSTD_getFrameContentSize(input.baseAddress, input.count)
        // The frame header is the file's: trust it for a first size only up
        // to 256 MiB (the buffer grows as the data really arrives).
        let guess = known < UInt64(limit) ? Int(min(known, 1 << 28)) : input.count * 4
        let out = OwnedBuffer(capacity: guess + 1)
        var inBuf = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var last = 1
        while inBuf.pos < inBuf.size || last != 0 {
            out.reserve(extra: 1 << 16)
            var outBuf = ZSTD_outBuffer(dst: out.pointer + out.count, size: out.capacity - out.count, pos: 0)
            let before = inBuf.pos
            last = ZSTD_decompressStream(ctx, &outBuf, &inBuf)
            if ZSTD_isError(last) != 0 {
                throw fail(path, .zstd, String(cString: ZSTD_getErrorName(last)))
            }
            out.count += outBuf.pos
            if out.count > limit { throw fail(path, .zstd, "output larger than \(limit) bytes") }
            if inBuf.pos == inBuf.size && last != 0 && outBuf.pos == 0 && before == inBuf.pos {
                throw fail(path, .zstd, "truncated stream")
            }
        }
        return out
    }

    private static func gzip(_ input: UnsafeRawBufferPointer, path: String) throws -> OwnedBuffer {
        var stream = z_stream()
        guard pv_inflate_init_gzip(&stream) == Z_OK else { throw fail(path, .gzip, "inflate initialisation failed") }
        defer { inflateEnd(&stream) }
        let out = OwnedBuffer(capacity: input.count * 4)
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        var remaining = input.count
        while true {
            let chunk = min(remaining, Int(UInt32.max))
            stream.avail_in = UInt32(chunk)
            out.reserve(extra: 1 << 16)
            stream.next_out = (out.pointer + out.count).assumingMemoryBound(to: Bytef.self)
            stream.avail_out = UInt32(min(out.capacity - out.count, Int(UInt32.max)))
            let outBefore = stream.avail_out
            let inBefore = stream.avail_in
            let ret = inflate(&stream, Z_NO_FLUSH)
            out.count += Int(outBefore - stream.avail_out)
            remaining -= Int(inBefore - stream.avail_in)
            if ret == Z_STREAM_END { return out }
            if ret == Z_BUF_ERROR && remaining == 0 { throw fail(path, .gzip, "truncated stream") }
            guard ret == Z_OK || ret == Z_BUF_ERROR else {
                let msg = stream.msg.map { String(cString: $0) } ?? "error \(ret)"
                throw fail(path, .gzip, msg)
            }
            if out.count > limit { throw fail(path, .gzip, "output larger than \(limit) bytes") }
        }
    }
}
