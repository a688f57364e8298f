import Foundation

/// Expands the paths a user names into the files to read: a named file is
/// taken as it is (and is an error later if it is not an object); a
/// directory is walked recursively for the names objects have in a build
/// tree, and a file so named that does not start like an ELF file or a
/// compressed container (a `.o` from another tool, a text file named
/// `vmlinux.txt`) is skipped and listed, not failed. The result is sorted,
/// so output order never depends on the walk.
public enum InputFiles {
    public static let objectSuffixes = [".o", ".ko", ".ko.xz", ".ko.zst", ".ko.gz"]

    public static func isObjectName(_ name: String) -> Bool {
        name.hasPrefix("vmlinux") && !name.hasSuffix(".h") && !name.hasSuffix(".c") && !name.hasSuffix(".lds")
            || objectSuffixes.contains { name.hasSuffix($0) }
    }

    public struct Expansion: Sendable {
        public var files: [String] = []
        /// Named paths that do not exist or cannot be listed.
        public var missing: [String] = []
        /// Files found in a directory walk that are not objects after all.
        public var skipped: [String] = []
        /// Named directories whose walk found no object.
        public var empty: [String] = []

        public init() {}
    }

    /// True when the file starts with the ELF magic or the magic of a
    /// container modules ship in (xz, zstd, gzip); also true when it
    /// cannot be read, so that the reader reports why.
    public static func hasObjectMagic(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return true }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 6) else { return true }
        let head = [UInt8](data)
        return head.starts(with: [0x7f, 0x45, 0x4c, 0x46])       // ELF
            || head.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])  // xz
            || head.starts(with: [0x28, 0xb5, 0x2f, 0xfd])           // zstd
            || head.starts(with: [0x1f, 0x8b])                       // gzip
    }

    public static func expand(_ paths: [String]) -> Expansion {
        var result = Expansion()
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                // Let the reader produce the one-line error for it.
                result.files.append(path)
                continue
            }
            guard isDir.boolValue else {
                result.files.append(path)
                continue
            }
            guard let walker = fm.enumerator(atPath: path) else {
                result.missing.append(path)
                continue
            }
            var found: [String] = []
            while let rel = walker.nextObject() as? String {
                let name = (rel as NSString).lastPathComponent
                guard isObjectName(name) else { continue }
                let full = (path as NSString).appendingPathComponent(rel)
                var sub: ObjCBool = false
                guard fm.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue else { continue }
                if hasObjectMagic(full) { found.append(full) } else { result.skipped.append(full) }
            }
            if found.isEmpty { result.empty.append(path) }
            result.files += found.sorted()
            result.skipped.sort()
        }
        return result
    }
}
