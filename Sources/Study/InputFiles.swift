import Foundation

/// Expands the paths a user names into the files to read: a named file is
/// taken as it is (and is an error later if it is not an object); a
/// directory is walked recursively for the names objects have in a build
/// tree. The result is sorted, so output order never depends on the walk.
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
                if fm.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue { found.append(full) }
            }
            result.files += found.sorted()
        }
        return result
    }
}
