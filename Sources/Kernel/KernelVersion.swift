import Foundation
import CorpusBuild

/// A kernel version the A/B knows, as its directory describes it:
/// `Kernels/linux-<name>/version.info` (the Debian package, the record
/// section, the patches and KCFLAGS of each mode, the subset, ...), next to
/// the version's patches and config fragments. Nothing about a version is
/// written in Swift: `known(in:)` is the directories that have a descriptor,
/// and Kernels/build.sh and Kernels/check.py read the same file.
///
/// The descriptor is `key value...` lines (`#` starts a comment), the format
/// of a build directory's pvsites.info: bash reads it with `read`, Swift
/// with a split, and neither needs a parser (JSON would need python3 or jq
/// in build.sh).
public struct KernelVersion: Sendable, Hashable, CustomStringConvertible {
    /// `6.1`.
    public let name: String
    /// `linux-source-6.1`: `apt-get download` fetches it by this name.
    public let package: String
    /// `Kernels/linux-6.1`, where the descriptor, patches and fragments are.
    public let directory: String
    /// `.parainstructions` (6.1) or `.altinstructions` (6.8 on).
    public let recordSection: String
    /// `linux-6.1` or `linux-6.8`: the layout's name (`pvsites macro --layout`).
    public let recordLayout: String
    /// The ops table the plain form's C calls go through: `pv_ops`.
    public let table: String
    /// `make-vars`: VAR=VALUE words build.sh puts on every make line.
    public let makeVariables: [String]
    /// The direct form's trampolines' symbol prefix: `pv_tramp_`.
    public let trampolinePrefix: String?
    /// Objects only the direct build has (its trampolines): not paired.
    public let trampolineObjects: Set<String>
    /// The directories `--subset` builds by default.
    public let subset: [String]
    /// The patches (file names in `directory`) of each mode's source copy,
    /// in the order build.sh applies them.
    public let patchNames: [BuildMode: [String]]
    /// Kconfig symbols by role (`retpoline`, `opt-O2`, `opt-Os`): the names
    /// moved between versions (CONFIG_RETPOLINE, later CONFIG_MITIGATION_RETPOLINE).
    public let kconfig: [String: String]

    /// The descriptor's file name in a version's directory.
    public static let descriptorName = "version.info"

    /// `linux-6.1`: the directory under Kernels/ and under `<cache>/src/`.
    public var directoryName: String { "linux-\(name)" }
    public var description: String { "Linux \(name)" }

    /// The patches' paths for `mode`, in order.
    public func patches(_ mode: BuildMode) -> [String] { (patchNames[mode] ?? []).map { directory + "/" + $0 } }

    /// Reads `<directory>/version.info`; the version's name is the
    /// directory's (`linux-6.1` → `6.1`).
    public init(directory: String) throws {
        let base = URL(fileURLWithPath: directory).lastPathComponent
        guard base.hasPrefix("linux-"), base.count > "linux-".count else {
            throw KernelError.badDescriptor("\(directory): a version's directory is named linux-<version>")
        }
        let path = directory + "/" + Self.descriptorName
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw KernelError.badDescriptor("\(path): cannot read it")
        }
        var values: [String: [String]] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = raw.prefix { $0 != "#" }.split(whereSeparator: \.isWhitespace).map(String.init)
            guard let key = words.first else { continue }
            guard key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw KernelError.badDescriptor("\(path):\(n + 1): bad key '\(key)'")
            }
            values[key] = Array(words.dropFirst())
        }
        func one(_ key: String) throws -> String {
            guard let v = values[key], v.count == 1 else {
                throw KernelError.badDescriptor("\(path): needs one '\(key) VALUE' line")
            }
            return v[0]
        }
        name = String(base.dropFirst("linux-".count))
        self.directory = directory
        package = try one("package")
        recordSection = try one("record-section")
        recordLayout = try one("record-layout")
        table = try one("table")
        makeVariables = values["make-vars"] ?? []
        trampolinePrefix = values["trampoline-prefix"]?.first
        trampolineObjects = Set(values["trampoline-object"] ?? [])
        guard let subset = values["subset"], !subset.isEmpty else {
            throw KernelError.badDescriptor("\(path): needs a 'subset DIR/...' line")
        }
        self.subset = subset.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        var patchNames: [BuildMode: [String]] = [:]
        for mode in BuildMode.allCases {
            guard let list = values["patches-\(mode.rawValue)"], !list.isEmpty else {
                throw KernelError.badDescriptor("\(path): needs a 'patches-\(mode.rawValue) FILE...' line")
            }
            patchNames[mode] = list
        }
        self.patchNames = patchNames
        var kconfig: [String: String] = [:]
        for (key, v) in values where key.hasPrefix("kconfig-") { kconfig[String(key.dropFirst("kconfig-".count))] = v.first }
        self.kconfig = kconfig
    }

    /// The versions in a Kernels/ directory: every `linux-*` directory with
    /// a descriptor, oldest first. A descriptor that does not read is an error.
    public static func known(in files: String) throws -> [KernelVersion] {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: files)) ?? []).filter {
            $0.hasPrefix("linux-") && fm.fileExists(atPath: "\(files)/\($0)/\(descriptorName)")
        }
        return try names.map { try KernelVersion(directory: files + "/" + $0) }.sorted { order($0.name, $1.name) }
    }

    /// The version `name` in `files` (default: the located Kernels/); nil
    /// when it has no directory with a descriptor, or it does not read.
    public static func named(_ name: String, in files: String? = KernelFiles.locate(nil)) -> KernelVersion? {
        guard let files, !name.contains("/") else { return nil }
        return try? KernelVersion(directory: "\(files)/linux-\(name)")
    }

    /// 6.1 before 6.12: numeric parts compared as numbers.
    static func order(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ".").map { Int($0) ?? -1 }, y = b.split(separator: ".").map { Int($0) ?? -1 }
        return x == y ? a < b : x.lexicographicallyPrecedes(y)
    }
}

/// Where the repository's `Kernels/` directory is: `--kernels`, else the
/// first `Kernels/` with the build script that `RepositoryFiles` finds
/// (the current directory, the checkout the executable was built in, an
/// installed `<prefix>/share/pvsites/`).
public enum KernelFiles {
    public static func locate(_ explicit: String?, executable: String = CommandLine.arguments[0]) -> String? {
        if let explicit { return URL(fileURLWithPath: explicit).standardizedFileURL.path }
        return RepositoryFiles.locate("Kernels", containing: "build.sh", executable: executable)
    }
}
