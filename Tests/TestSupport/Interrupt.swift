import Foundation

/// Ctrl-C in the middle of a run, as the interrupt tests of the corpus and
/// kernel builds send it: wait (at most 30 s) until `ready()` says the
/// children are running, send SIGINT, then read stderr to its end.
public enum Interrupt {
    public struct Stopped {
        public let stderr: String
        /// From the signal to the process's exit.
        public let seconds: Double
        public let status: Int32
    }

    /// Nil when the process stopped, or did not get ready, before the signal.
    public static func send(to process: Process, stderr: Pipe, when ready: () -> Bool) -> Stopped? {
        let start = Date()
        while !ready() {
            guard process.isRunning, Date().timeIntervalSince(start) < 30 else { return nil }
            usleep(20_000)
        }
        let sent = Date()
        kill(process.processIdentifier, SIGINT)
        let text = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return Stopped(stderr: text, seconds: Date().timeIntervalSince(sent), status: process.terminationStatus)
    }
}
