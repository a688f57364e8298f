import Foundation
import ArgumentParser

/// The one place the tool writes to stderr.
enum Diagnostics {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data(("pvsites: " + line + "\n").utf8))
    }

    static func warning(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// The last line of a batch that had failures: `pvsites: 3 files failed`.
    static func failedCount(_ n: Int, noun: String = "file") {
        error("\(n) \(noun)\(n == 1 ? "" : "s") failed")
    }

    /// True when stderr is a terminal: progress lines go there only then.
    static let stderrIsTerminal = isatty(2) != 0
    static let stdoutIsTerminal = isatty(1) != 0
}

/// Where a report goes: stdout, or `-o FILE`, written atomically (a
/// temporary file renamed over it) when FILE is a regular file or new.
/// Anything else that exists (`-o /dev/null`, a FIFO) is written in place:
/// the rename would replace the device with a regular file, and, run as
/// root, leave the machine without a /dev/null.
enum Output {
    static func write(_ text: String, to path: String?) throws {
        guard let path else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        do {
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                guard let handle = FileHandle(forWritingAtPath: path) else {
                    throw CocoaError(.fileWriteNoPermission)
                }
                defer { try? handle.close() }
                try handle.write(contentsOf: Data(text.utf8))
                return
            }
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw ValidationError("\(path): cannot write: \(error.localizedDescription)")
        }
    }
}
