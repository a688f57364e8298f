import Concurrency
import CorpusBuild
import Foundation
import TestSupport
import Testing

/// Ctrl-C during `pvsites corpus build` reaches every compiler running in
/// parallel (Foundation starts each in a process group of its own), no
/// compiler starts after it, nothing half-built is kept, and pvsites exits
/// 128+signal with one line. The compiler is a script that waits.
@Suite("Corpus build interrupted", .enabled(if: Fixtures.pvsitesIsBuilt, Fixtures.pvsitesMissing))
struct InterruptTests {
    @Test(.timeLimit(.minutes(1)))
    func signalReachesEveryCompiler() throws {
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("pvsites-corpus-interrupt-\(getpid())").path
        try? fm.removeItem(atPath: tmp)
        try fm.createDirectory(atPath: tmp + "/marks", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: tmp) }
        try fm.copyItem(atPath: Fixtures.corpusDirectory, toPath: tmp + "/Corpus")
        let compiler = tmp + "/fakecc"
        try """
            #!/usr/bin/env bash
            if [ "$1" = "--version" ]; then echo "fakecc 1.0"; exit 0; fi
            marks="\(tmp)/marks"
            trap 'echo TERM > "$marks/term.$$"; exit 143' TERM
            trap 'echo INT > "$marks/int.$$"; exit 130' INT
            touch "$marks/started.$$"
            sleep 50 &
            wait
            echo finished > "$marks/finished.$$"

            """.write(toFile: compiler, atomically: true, encoding: .utf8)
        chmod(compiler, 0o755)
        // The corpus as it is, built by the script alone.
        let configsPath = tmp + "/Corpus/configs.json"
        var configs = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: configsPath)))
            as? [String: Any])
        configs["compilers"] = [["name": "gcc", "command": compiler, "family": "gcc", "default": true]]
        try JSONSerialization.data(withJSONObject: configs).write(to: URL(fileURLWithPath: configsPath))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixtures.pvsitesBinary)
        process.arguments = ["corpus", "build", "--corpus", tmp + "/Corpus", "--cache", tmp + "/cache",
                             "--variant", "kernel", "--opt", "-O2"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        func marks(_ prefix: String) -> Set<String> {
            Set(((try? fm.contentsOfDirectory(atPath: tmp + "/marks")) ?? []).filter { $0.hasPrefix(prefix) }
                .map { String($0.dropFirst(prefix.count)) })
        }
        // Every worker busy: as many compilers waiting as pvsites runs at once.
        let stopped = try #require(Interrupt.send(to: process, stderr: stderr) { marks("started.").count >= WorkerPool.cores },
                                   "pvsites stopped, or its compilers did not start, before the signal")
        let text = stopped.stderr
        #expect(stopped.seconds < 10)
        #expect(stopped.status == 130, "\(text)")
        #expect(text.hasSuffix("pvsites: interrupted by SIGINT\n"), "\(text)")
        let started = marks("started.")
        #expect(started.count == WorkerPool.cores, "a compiler started after the signal")
        #expect(marks("term.") == started, "every running compiler got SIGTERM")
        #expect(marks("finished.").isEmpty)
        // Nothing kept: no object, no temporary.
        let kept = (fm.enumerator(atPath: tmp + "/cache")?.allObjects as? [String] ?? []).filter { $0.hasSuffix(".o") || $0.contains(".tmp.") }
        #expect(kept.isEmpty, "\(kept)")
    }
}
