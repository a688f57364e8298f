import Foundation

/// The measured whole-kernel results committed in the repository:
/// `Kernels/results/<version>-<compiler>.json`, each a `pvsites kernel
/// study --format json` result of one compiler (with its `tool`: pvsites
/// version, date, command line; `kernel_source`: Debian's source package
/// and version; `compilers`: their versions). `kernel study --record`
/// writes them, `--check-recorded` compares a rebuild with them, and
/// `pvsites study` leads with them when this machine has no newer study.
public enum RecordedResults {
    public static func directory(kernels: String) -> String { kernels + "/results" }

    /// `<kernels>/results/6.1-gcc.json`.
    public static func file(kernels: String, version: String, compiler: String) -> String {
        directory(kernels: kernels) + "/\(version)-\(compiler).json"
    }

    /// The `.json` files of `directory`, sorted; none when it is missing.
    public static func files(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { directory + "/" + $0 }
    }
}
