import Foundation

/// Replaces a file so that a reader, or a crash at any moment, sees either
/// the old contents or the new, never a mix: write a temporary file in the
/// same directory (same file system, so rename is atomic), fsync it, rename
/// it over the target, fsync the directory so the rename itself is durable.
///
/// A process killed part way leaves the target untouched and, at worst, a
/// `.NAME.tmp-PID` file next to it.
public enum GateAtomicFile {
    /// The temporary file's name prefix in the target's directory.
    public static func temporaryPrefix(for path: String) -> String {
        "." + (path as NSString).lastPathComponent + ".tmp-"
    }

    public static func replace(_ path: String, contents: Data) throws(GateFileError) {
        try replace(path, contents: contents, writeChunk: Self.writeAll)
    }

    /// `writeChunk` writes one piece to the descriptor; tests inject one that
    /// fails part way.
    static func replace(_ path: String, contents: Data,
                        writeChunk: (Int32, UnsafeRawBufferPointer) throws -> Void) throws(GateFileError) {
        let directory = (path as NSString).deletingLastPathComponent
        let dir = directory.isEmpty ? "." : directory
        let temp = dir + "/" + temporaryPrefix(for: path) + String(getpid())
        func failure(_ what: String) -> GateFileError {
            .cannotWrite(path: path, reason: "\(what): \(String(cString: strerror(errno)))")
        }
        // Keep the old file's permissions; new files get 0644 less the umask.
        var mode: mode_t = 0o644
        var st = stat()
        if stat(path, &st) == 0 { mode = st.st_mode & 0o7777 }
        unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create \(temp)") }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do throws(GateFileError) {
            // In pieces: a huge baseline never needs one giant write.
            let chunk = 1 << 20
            var offset = 0
            while offset < contents.count {
                let end = min(offset + chunk, contents.count)
                do {
                    try contents[offset ..< end].withUnsafeBytes { try writeChunk(fd, $0) }
                } catch {
                    throw .cannotWrite(path: path, reason: "write \(temp): \(error)")
                }
                offset = end
            }
            if fchmod(fd, mode) != 0 { throw failure("chmod \(temp)") }
            if fsync(fd) != 0 { throw failure("fsync \(temp)") }
        } catch {
            close(fd)
            throw error
        }
        if close(fd) != 0 { throw failure("close \(temp)") }
        if rename(temp, path) != 0 { throw failure("rename \(temp)") }
        ok = true
        // The rename is in the directory: make it durable too. A file system
        // that cannot fsync a directory has nothing to lose here.
        let dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    /// write(2) until every byte is out, retrying on EINTR and short writes.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw GateErrno(code: errno)
            }
            done += n
        }
    }
}

/// A failed system call's errno, described as strerror says it.
struct GateErrno: Error, CustomStringConvertible {
    let code: Int32
    var description: String { String(cString: strerror(code)) }
}
