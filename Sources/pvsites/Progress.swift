import Foundation

/// A progress line on stderr, only when it is a terminal.
enum Progress {
    static func line(_ label: String) -> (@Sendable (Int, Int) -> Void)? {
        guard Diagnostics.stderrIsTerminal else { return nil }
        return { done, total in
            if done == total || done % 8 == 0 {
                FileHandle.standardError.write(Data("\r\(label) \(done)/\(total)".utf8))
            }
        }
    }

    static func finish() {
        if Diagnostics.stderrIsTerminal { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
    }
}
