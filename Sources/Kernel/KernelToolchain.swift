import Foundation

/// The toolchain a `--compiler` name stands for in a kernel build, as
/// Kernels/build.sh picks it: gcc and gcc-N with GNU binutils (`CC=`);
/// clang-N with the LLVM toolchain the kernel documents
/// (Documentation/kbuild/llvm.rst: `LLVM=-14` uses clang-14, ld.lld-14,
/// llvm-objcopy-14, ...), clang with `LLVM=1`. Here only to say, before
/// anything is built, which commands are missing and which Debian
/// packages have them; build.sh checks the same list.
public struct KernelToolchain: Sendable, Equatable {
    public let compiler: String
    /// The make variables that select it: `CC=gcc-11`, `LLVM=-14`.
    public let makeVariables: [String]
    /// The commands it needs, each with its Debian package.
    public let tools: [(command: String, package: String)]

    public init(_ compiler: String) {
        self.compiler = compiler
        let llvmTools = ["llvm-ar", "llvm-nm", "llvm-objcopy", "llvm-objdump", "llvm-readelf", "llvm-strip"]
        if compiler.hasPrefix("clang-"), let n = Int(compiler.dropFirst("clang-".count)) {
            makeVariables = ["LLVM=-\(n)"]
            tools = [("clang-\(n)", "clang-\(n)"), ("ld.lld-\(n)", "lld-\(n)")] + llvmTools.map { ("\($0)-\(n)", "llvm-\(n)") }
        } else if compiler == "clang" {
            makeVariables = ["LLVM=1"]
            tools = [("clang", "clang"), ("ld.lld", "lld")] + llvmTools.map { ($0, "llvm") }
        } else {
            makeVariables = ["CC=\(compiler)"]
            tools = [(compiler, compiler)]
        }
    }

    public static func == (a: KernelToolchain, b: KernelToolchain) -> Bool { a.compiler == b.compiler }

    /// The commands that are not on PATH.
    public var missing: [(command: String, package: String)] {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return tools.filter { tool in
            !path.contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool.command)") }
        }
    }

    public var isInstalled: Bool { missing.isEmpty }

    /// `compiler clang-15 is not installed: no clang-15 ld.lld-15 ...
    /// (Debian: apt-get install clang-15 lld-15 llvm-15)`, build.sh's words.
    public var missingLine: String? {
        let m = missing
        guard !m.isEmpty else { return nil }
        var packages: [String] = []
        for t in m where !packages.contains(t.package) { packages.append(t.package) }
        return "compiler \(compiler) is not installed: no \(m.map(\.command).joined(separator: " "))"
            + " (Debian: apt-get install \(packages.joined(separator: " ")))"
    }
}
