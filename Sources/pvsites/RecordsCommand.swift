import ArgumentParser
import ELF
import Foundation
import Records
import RelocSites
import Reports

extension SiteSource: ExpressibleByArgument {}

struct RecordsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "records",
        abstract: "Write the records Linux's patcher reads (6.1's .parainstructions, 6.8's .altinstructions), from one policy's sites.",
        discussion: """
        A record is made only where the patch (a 5-byte call, nops to len) is \
        safe: whole instructions holding a call, at least 5 bytes, no branch \
        target inside, one op. Refused sites are counted by reason. On an \
        annotated file its own .parainstructions records are the input. \
        --check applies the patch to the bytes in memory and disassembles every \
        patched function (exit 1 when a record breaks code). -o writes the \
        records: raw section bytes for a linked image, a .S file for an object. \
        With --layout linux-6.8 the records are alt_instr entries flagged \
        ALT_FLAG_DIRECT_CALL with a `call BUG_func` replacement, and a site must \
        also be `call *disp32(%rip)` of 6 bytes (alt_replace_call's own check); \
        -o writes a .S file for an image too (the offsets are relative).
        """
    )

    @Argument(help: "An object or a linked image.")
    var path: String

    @Option(help: "naive, decoded or dataflow.")
    var policy: Policy = .decoded

    @Option(help: "auto (the file's own records if any, else the scan), annotated, or scan.")
    var sites: SiteSource = .auto

    @Option(help: "Record layout: linux-6.1, linux-6.8 or clobbers (default: the file's own records' layout, else linux-6.1).")
    var layout: String?

    @Flag(inversion: .prefixedNo,
          help: "Decode each site before making its record (default: on, except naive, which the 2007 proposal did not decode).")
    var decodeSites: Bool?

    @Flag(help: "Simulate Linux 6.1's patching and check every patched function.")
    var check = false

    @Option(help: "The ops table symbol (default: pv_ops or paravirt_ops).")
    var symbol: String?

    @Option(help: "text or json.")
    var format: OutputFormat = .text

    @Option(name: .shortAndLong, help: "Write the records to FILE: section bytes (image) or a .S file (object).")
    var output: String?

    @Option(name: .customLong("asm"), help: "Write the records as a .S file to FILE (image or object).")
    var assemblyOutput: String?

    func validate() throws {
        if let layout {
            do { _ = try RecordEncoder.format(named: layout) } catch { throw ValidationError(String(describing: error)) }
        }
    }

    func run() throws {
        let run: RecordsRun
        do {
            let file = try ObjectFile(path: path)
            run = try RecordsRun(file: file, options: .init(policy: policy, sites: sites, layout: layout,
                                                             decodeSites: decodeSites, check: check, tableSymbol: symbol))
        } catch let e as ObjectFileError {
            throw e
        } catch {
            throw CLIError(.fileProblem, "\(path): \(error)")
        }
        if let output { try write(run.output, to: output) }
        if let assemblyOutput { try write(Array(run.assembly.utf8), to: assemblyOutput) }
        let report = RecordsReport(run)
        switch format {
        case .json: print(try JSONOutput.encode(report), terminator: "")
        case .text: print(Self.text(report), terminator: "")
        }
        if let c = run.check, c.failed > 0 { throw ExitCode(1) }
    }

    private func write(_ bytes: [UInt8], to path: String) throws {
        do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw CLIError(.cannotWriteOutput, "\(path): cannot write: \(error.localizedDescription)")
        }
    }

    static func text(_ r: RecordsReport) -> String {
        var out = "\(r.file): \(r.records) record\(r.records == 1 ? "" : "s") (\(r.layout)) from \(r.sites) site"
            + "\(r.sites == 1 ? "" : "s") (\(r.sitesFrom))\n"
        for (reason, n) in r.refused.sorted(by: { $0.key < $1.key }) { out += "  refused \(reason): \(n)\n" }
        for f in r.refusals { out += "  \(f.location): refused, \(f.reason.rawValue): \(f.detail)\n" }
        if let c = r.check {
            out += "check: \(c.passed) passed, \(c.failed) failed\n"
            for f in c.failures { out += "  \(r.file): \(f.location): \(f.reason): \(f.detail)\n" }
        }
        return out
    }
}
