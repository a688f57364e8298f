import Foundation
import TestSupport
import Testing

/// `-o FILE` writes a regular file atomically (a temporary renamed over
/// it), and anything else that exists in place: renaming over `-o
/// /dev/null` replaced the device with a regular file, which, run as root,
/// left the machine without a /dev/null (it happened on the build machine).
/// A FIFO stands for the device here: no root needed, and a regression
/// cannot break the machine running the test.
@Suite struct OutputFileTests {
    @Test func outputToAFIFOKeepsTheFIFO() throws {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-fifo-\(getpid())").path
        try? FileManager.default.removeItem(atPath: tmp)
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tmp) }
        let fifo = tmp + "/report", regular = tmp + "/report.txt"
        #expect(mkfifo(fifo, 0o644) == 0)
        // Held open for reading and writing (Linux allows it on a FIFO), so
        // pvsites' open does not wait for a reader, and the output (far
        // under the pipe's 64 KiB) waits in the FIFO; read without blocking.
        let fd = open(fifo, O_RDWR | O_NONBLOCK)
        #expect(fd >= 0)
        defer { close(fd) }
        let input = "/usr/bin/true"
        let r = try Command.run([CommandLineTests.binary, "objinfo", input, "-o", fifo])
        #expect(r.status == 0, "\(r.stderr)")
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
            if n > 0 { received.append(contentsOf: buffer[0 ..< n]); continue }
            if n < 0 && errno == EINTR { continue }
            break
        }
        var info = stat()
        #expect(stat(fifo, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFIFO)
        let again = try Command.run([CommandLineTests.binary, "objinfo", input, "-o", regular])
        #expect(again.status == 0)
        #expect(received == (try Data(contentsOf: URL(fileURLWithPath: regular))))
        #expect(!received.isEmpty)
    }
}
