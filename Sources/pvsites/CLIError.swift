import ELF

/// A usage or input error the command line finds itself (an option the
/// inputs do not have, a file that is not what the option wants): one line,
/// exit 2, catalogued in docs/messages.md under its code. Errors of the
/// libraries are passed on as they are (PVSites.main prints any catalogued
/// error the same way), not wrapped here.
struct CLIError: Error, CustomStringConvertible, CataloguedMessage {
    enum Code: String, CaseIterable {
        /// `--variant V: DIR/configs.json has A, B` (--opt, --compiler, a
        /// gate's --form alike).
        case notInCorpus = "not-in-corpus"
        /// A gate's `--compiler/--variant/--opt N: in neither BASELINE nor RESULTS`.
        case notInResults = "not-in-results"
        /// `--compiler NAME: WHY` or `DIR/configs.json: none of its compilers is installed (...)`.
        case compilerUnavailable = "compiler-unavailable"
        /// `DIR/configs.json: no configuration selected`.
        case nothingSelected = "nothing-selected"
        /// `OLD, NEW: no configuration in common (...)` (diff).
        case nothingInCommon = "nothing-in-common"
        /// `BASELINE: not updated: the study had N failures` (gate --update).
        case notUpdated = "baseline-not-updated"
        /// `FILE: ...` for --linux and the recorded results: not a kernel study.
        case notALinuxResult = "not-a-linux-result"
        /// `FILE: no recorded result for ...` / `none of its rows was measured`.
        case nothingRecorded = "nothing-recorded"
        /// `no Kernels/ directory with build.sh (...)`.
        case noKernelsDirectory = "no-kernels-directory"
        /// `qemu-system-x86_64 is not installed (...)`.
        case qemuMissing = "qemu-missing"
        /// `FILE: cannot read (--names-from)`.
        case unreadableOption = "unreadable-option-file"
        /// `FILE: cannot write: REASON` (records -o).
        case cannotWriteOutput = "cannot-write-output"
        /// `FILE: PROBLEM`: a problem met while working on FILE whose own
        /// line does not name it (records: `layout-not-writable`).
        case fileProblem = "file-problem"
    }

    let code: Code
    let description: String

    init(_ code: Code, _ description: String) {
        self.code = code
        self.description = description
    }
}
