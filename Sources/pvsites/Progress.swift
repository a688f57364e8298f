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

    /// The study's (and the gate's) progress: `building 20 configs:
    /// 120/960 objects`, then `comparing 20 configs: 30/96 object pairs`,
    /// on one line rewritten in place; nil when stderr is not a terminal,
    /// so that nothing goes there in CI or in a pipe.
    static func study(configs: Int) -> (@Sendable (String, Int, Int) -> Void)? {
        guard Diagnostics.stderrIsTerminal else { return nil }
        let what = "\(configs) config\(configs == 1 ? "" : "s")"
        return { label, done, total in
            guard done == total || done % 4 == 0 else { return }
            let unit = label == "building" ? "objects" : "object pairs"
            FileHandle.standardError.write(Data("\r\(label) \(what): \(done)/\(total) \(unit)\u{1b}[K".utf8))
        }
    }

    static func finish() {
        if Diagnostics.stderrIsTerminal { FileHandle.standardError.write(Data("\r\u{1b}[K".utf8)) }
    }
}
