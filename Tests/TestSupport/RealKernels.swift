import Foundation
import Testing

/// The real Debian kernel inputs `scripts/fetch-kernels.sh` extracts.
///
/// A test that reads them carries `RealKernels.needs(...)`: it runs when
/// they are in the cache and is reported as skipped, with the reason, when
/// they are not. `PVSITES_REQUIRE_KERNELS=1` (`make test-kernels`, which
/// fetches them first) runs it anyway, and `RealKernels.require` then fails
/// it: the kernel tests cannot go on skipping unnoticed.
public enum RealKernels {
    /// `${PVSITES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvsites}/kernels`.
    public static let directory: String = {
        let env = ProcessInfo.processInfo.environment
        if let c = env["PVSITES_CACHE"], !c.isEmpty { return c + "/kernels" }
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.cache")
        return base + "/pvsites/kernels"
    }()

    /// `PVSITES_REQUIRE_KERNELS=1`: a missing input fails the tests that
    /// need it instead of skipping them.
    public static let required = ProcessInfo.processInfo.environment["PVSITES_REQUIRE_KERNELS"] == "1"

    /// One input below `directory`, and the `fetch-kernels.sh` part that
    /// extracts it.
    public struct Input: Sendable, CustomStringConvertible {
        public let relative: String
        public let part: String

        public init(_ relative: String, part: String) {
            self.relative = relative
            self.part = part
        }

        public static let linux61Modules = Input("linux-6.1/modules", part: "modules")
        public static let linux61Vmlinux = Input("linux-6.1/vmlinux", part: "vmlinux")
        public static let linux612Modules = Input("linux-6.12/modules", part: "6.12")

        /// A file below this directory (`.linux61Modules.file("arch/x86/events/rapl.ko")`).
        public func file(_ path: String) -> Input { Input(relative + "/" + path, part: part) }

        public var path: String { RealKernels.directory + "/" + relative }
        public var isPresent: Bool { FileManager.default.fileExists(atPath: path) }
        public var description: String { relative }

        /// Why a test that needs this input did not get it.
        public var missingReason: String {
            "\(path) is missing: run scripts/fetch-kernels.sh \(part) (make test-kernels fetches every kernel input "
                + "and fails instead of skipping)"
        }
    }

    /// Enables a test when all of `inputs` are present, or when
    /// `PVSITES_REQUIRE_KERNELS=1` (it then fails in `require`).
    public static func needs(_ inputs: Input...) -> ConditionTrait {
        let missing = inputs.filter { !$0.isPresent }
        return .enabled(if: required || missing.isEmpty,
                        Comment(rawValue: missing.map(\.missingReason).joined(separator: "; ")))
    }

    /// The path of `input`; fails the test when it is missing.
    @discardableResult
    public static func require(_ input: Input, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try #require(input.isPresent ? input.path : nil, Comment(rawValue: input.missingReason),
                     sourceLocation: sourceLocation)
    }

    /// Every file below `input` whose name ends in `suffix`, sorted.
    public static func files(_ input: Input, suffix: String) throws -> [String] {
        let root = try require(input)
        guard let walker = FileManager.default.enumerator(atPath: root) else { return [] }
        var found: [String] = []
        while let relative = walker.nextObject() as? String {
            if relative.hasSuffix(suffix) { found.append(root + "/" + relative) }
        }
        return found.sorted()
    }
}
