import ELF

/// The catalogue codes of `KernelError` (docs/messages.md, "The Linux A/B").
extension KernelError: CataloguedMessage {
    public enum Code: String, CaseIterable, Sendable {
        case unknownKernel = "unknown-kernel"
        case badDescriptor = "bad-descriptor"
        case missingFiles = "missing-kernel-files"
        case fetchFailed = "download-failed"
        case extractFailed = "extract-failed"
        case notATree = "not-a-kernel-tree"
        case buildFailed = "kernel-build-failed"
        case compilerMissing = "compiler-missing"
        case interrupted = "interrupted"
        case bootFailed = "qemu-failed"
        case badResults = "bad-results-file"
    }

    public var code: Code {
        switch self {
        case .unknownKernel: .unknownKernel
        case .badDescriptor: .badDescriptor
        case .missingFiles: .missingFiles
        case .fetchFailed: .fetchFailed
        case .extractFailed: .extractFailed
        case .notATree: .notATree
        case .buildFailed: .buildFailed
        case .compilerMissing: .compilerMissing
        case .interrupted: .interrupted
        case .bootFailed: .bootFailed
        case .badResults: .badResults
        }
    }
}
