import Foundation

/// What the corpus cache trusts. Outputs are written under a temporary
/// name (`OUT.tmp.PID.N`) and renamed into place, so a build that is
/// interrupted leaves at worst a temporary, never a half-written output
/// under its real name. Two more guards: an output is trusted only when it
/// is a complete ELF file (its section header table lies inside it — a
/// file torn by a crash or a full disk is built again), and temporaries of
/// builds that are no longer running are removed. Next to each output,
/// `OUT.log` keeps what the compiler or linker printed making it (empty
/// when it printed nothing), so that warnings are reported from the cache
/// as from a fresh build; it is written before the output is renamed into
/// place, and an output without it is built again.
enum CacheFiles {
    /// What the compiler printed making `output`, when the cache can
    /// serve it: the output is complete and its log is there.
    static func cachedLog(_ output: String) -> String? {
        guard isComplete(output), let data = FileManager.default.contents(atPath: output + ".log") else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Put a finished build in place: its log first, then `temp` renamed
    /// to `output`. False when either step fails.
    static func keep(_ temp: String, as output: String, log: String) -> Bool {
        let logTemp = output + ".log.tmp.\(getpid()).\(UInt32.random(in: 0 ... .max))"
        guard FileManager.default.createFile(atPath: logTemp, contents: Data(log.utf8)),
              rename(logTemp, output + ".log") == 0 else {
            unlink(logTemp)
            return false
        }
        return rename(temp, output) == 0
    }

    /// True when `path` exists and is a whole ELF64 file: the magic, and
    /// the section header table (which gcc and ld write last) inside it.
    static func isComplete(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 64), data.count == 64,
              let size = try? handle.seekToEnd() else { return false }
        let h = [UInt8](data)
        guard h.starts(with: [0x7f, 0x45, 0x4c, 0x46]), h[4] == 2 else { return false }
        func read(_ offset: Int, _ width: Int) -> UInt64 {
            (0 ..< width).reduce(0) { $0 | UInt64(h[offset + $1]) << (8 * UInt64($1)) }
        }
        let shoff = read(40, 8), shnum = read(60, 2)
        return shoff >= 64 && shoff <= size && (size - shoff) / 64 >= shnum
    }

    /// Remove `*.tmp.PID.N` files in `directory` whose process is gone.
    static func removeStaleTemporaries(in directory: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names {
            guard let range = name.range(of: ".tmp.", options: .backwards) else { continue }
            let parts = name[range.upperBound...].split(separator: ".")
            guard parts.count == 2, let pid = Int32(parts[0]), pid > 0 else { continue }
            if pid == getpid() || kill(pid, 0) == 0 || errno == EPERM { continue }
            unlink(directory + "/" + name)
        }
    }
}
