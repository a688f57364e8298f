import Foundation
import Synchronization

/// pvsites' one way to run a program: found on PATH, stdout and stderr
/// merged, optionally streamed line by line. Compilers and linkers of the
/// corpus build run through it, several at a time; so do the kernel's
/// build.sh, make, patch, dpkg-deb and QEMU, one at a time.
///
/// Foundation starts a child in a process group of its own, so a Ctrl-C
/// (SIGINT to the terminal's foreground group) or a `kill` of pvsites
/// would not reach build.sh, make or gcc: they would go on compiling until
/// their next write to the closed pipe. While any child runs, these signals
/// stop every running child's group (Kbuild then deletes the objects it was
/// writing), and each `run` returns once its child has exited, with
/// `interrupted` set. The signal is remembered: a later `run` starts
/// nothing and returns interrupted at once, so a parallel build stops too.
public enum Subprocess {
    public struct Result: Sendable {
        public let status: Int32
        public let output: String
        /// SIGINT, SIGTERM or SIGHUP that reached pvsites while a child ran
        /// (and was passed on to the children's process groups); 0 if none.
        public var interrupted: Int32 = 0
    }

    /// A run stopped by a forwarded signal, for callers that stop with it.
    public struct Interrupted: Error, Sendable, CustomStringConvertible {
        public let signal: Int32
        public init(signal: Int32) { self.signal = signal }
        public var description: String { "interrupted by \(Subprocess.signalName(signal))" }
    }

    public static let forwarded: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// `SIGINT`, `SIGTERM`, `SIGHUP`, else `signal N`.
    public static func signalName(_ sig: Int32) -> String {
        [SIGINT: "SIGINT", SIGTERM: "SIGTERM", SIGHUP: "SIGHUP"][sig] ?? "signal \(sig)"
    }

    public static func run(_ argv: [String], in directory: String? = nil, environment: [String: String]? = nil,
                           line: ((String) -> Void)? = nil) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        guard Children.enter() else { return Result(status: 128 + received.pointee, output: "", interrupted: received.pointee) }
        defer { Children.leave() }
        do { try process.run() } catch { return Result(status: 127, output: "\(argv[0]): \(error)") }
        let slot = Children.add(process.processIdentifier)
        defer { Children.remove(slot) }
        var data = Data()
        var pending = Data()
        let fd = pipe.fileHandleForReading.fileDescriptor
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n > 0 {
                data.append(contentsOf: buffer[0 ..< n])
                if let line {
                    pending.append(contentsOf: buffer[0 ..< n])
                    while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        line(String(decoding: pending[pending.startIndex ..< nl], as: UTF8.self))
                        pending.removeSubrange(pending.startIndex ... nl)
                    }
                }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            break
        }
        if let line, !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
        process.waitUntilExit()
        return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self),
                      interrupted: received.pointee)
    }
}

/// What the signal handler reads: the running children's pids (0: a free
/// slot) and the signal received. Plain memory that never moves, made
/// before a handler is installed: a handler may not lock or allocate.
private let slotCount = 256
nonisolated(unsafe) private let childPIDs: UnsafeMutablePointer<pid_t> = {
    let p = UnsafeMutablePointer<pid_t>.allocate(capacity: slotCount)
    p.initialize(repeating: 0, count: slotCount)
    return p
}()
nonisolated(unsafe) private let received: UnsafeMutablePointer<Int32> = {
    let p = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    p.initialize(to: 0)
    return p
}()
/// The handlers before ours, put back when the last child has exited;
/// written under `Children.state`'s lock only.
nonisolated(unsafe) private var previousHandlers: [__sighandler_t?] = []

/// The handlers are installed while at least one child runs.
private enum Children {
    static let state = Mutex<Int>(0)  // children running (or starting)

    /// Counts a child about to start; false when a signal already came.
    static func enter() -> Bool {
        state.withLock { running in
            _ = childPIDs
            guard received.pointee == 0 else { return false }
            // Unblocked here: a parent's thread may have blocked them (a
            // test runner's do), and children inherit the mask.
            var unblock = sigset_t()
            sigemptyset(&unblock)
            for sig in Subprocess.forwarded { sigaddset(&unblock, sig) }
            pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
            if running == 0 {
                // Passed on as SIGTERM: bash ignores SIGINT in what it runs
                // with `&` and a process started with SIGINT ignored cannot
                // trap it, while make, gcc and bash all stop on SIGTERM
                // (make deleting the object it was writing).
                previousHandlers = Subprocess.forwarded.map { sig in
                    signal(sig) { sig in
                        received.pointee = sig
                        for i in 0 ..< slotCount where childPIDs[i] > 0 { kill(-childPIDs[i], SIGTERM) }
                    }
                }
            }
            running += 1
            return true
        }
    }

    static func leave() {
        state.withLock { running in
            running -= 1
            if running == 0 {
                for (sig, handler) in zip(Subprocess.forwarded, previousHandlers) { signal(sig, handler) }
                previousHandlers = []
            }
        }
    }

    /// Registers a started child; stops it at once if a signal came
    /// between its start and now. Returns its slot (nil when all are taken:
    /// it then runs unforwarded).
    static func add(_ pid: pid_t) -> Int? {
        state.withLock { _ in
            let slot = (0 ..< slotCount).first { childPIDs[$0] == 0 }
            if let slot { childPIDs[slot] = pid }
            if received.pointee != 0 { kill(-pid, SIGTERM) }
            return slot
        }
    }

    static func remove(_ slot: Int?) {
        guard let slot else { return }
        state.withLock { _ in childPIDs[slot] = 0 }
    }
}
