import CorpusBuild
import Foundation

/// What stops the A/B, each said in one line (a compile failure adds the
/// compiler's own lines).
public enum KernelError: Error, CustomStringConvertible, Sendable {
    /// No such version in Kernels/ (the versions it has).
    case unknownKernel(String, known: [String])
    /// A version's descriptor (Kernels/linux-<version>/version.info) that
    /// does not read: the file, the line if any, what is wrong.
    case badDescriptor(String)
    /// Kernels/<version>/ or a file in it is missing.
    case missingFiles(String)
    /// The source package could not be downloaded; says what to run.
    case fetchFailed(package: String, command: String, output: String)
    case extractFailed(String)
    /// `--source DIR` that is not a kernel tree.
    case notATree(String)
    /// build.sh failed: its error line (a patch that does not apply, a
    /// config option that did not survive), or make's: the compiler's lines.
    case buildFailed(config: KernelConfig, mode: BuildMode, message: String, lines: [String], dotConfig: String)
    case compilerMissing(String)
    /// SIGINT, SIGTERM or SIGHUP stopped a build or the download (passed on
    /// to build.sh, make and gcc); what was complete stays, the rest is
    /// redone by the next run.
    case interrupted(Int32)
    /// QEMU would not start (it wrote no serial log and failed).
    case bootFailed(kernel: String, output: String)
    /// A results file (boots, recorded study) that does not read.
    case badResults(String)

    public var description: String {
        switch self {
        case let .unknownKernel(k, known):
            return "unknown kernel '\(k)': no Kernels/linux-\(k)/\(KernelVersion.descriptorName) (known: \(known.joined(separator: ", ")))"
        case .badDescriptor(let m): return m
        case .missingFiles(let what): return "missing \(what)"
        case let .fetchFailed(package, command, output):
            let why = output.split(separator: "\n").last.map { ": \($0)" } ?? ""
            return "could not download \(package)\(why); run: \(command)"
        case .extractFailed(let m): return m
        case .notATree(let d): return "\(d): not a kernel tree (no Makefile with VERSION and PATCHLEVEL)"
        case let .buildFailed(config, mode, message, _, _): return "\(config), \(mode.rawValue): \(message)"
        case .compilerMissing(let c): return KernelToolchain(c).missingLine ?? "compiler \(c) is not installed"
        case let .bootFailed(kernel, output): return "\(kernel): QEMU failed: \(output)"
        case .badResults(let m): return m
        case .interrupted(let sig):
            return "\(Subprocess.Interrupted(signal: sig)); the next run resumes where this one stopped"
        }
    }
}
