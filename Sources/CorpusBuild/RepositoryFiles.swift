import Foundation

/// Where the repository's data directories (`Corpus/`, `Kernels/`) are for a
/// binary run from anywhere: the current directory first (a checkout), then
/// up from the executable, which finds the checkout it was built in
/// (`.build/<config>/pvsites`) and an installed tree (`<prefix>/bin/pvsites`
/// with `<prefix>/share/pvsites/`, as `make install` lays it out). The first
/// candidate holding `marker` wins.
public enum RepositoryFiles {
    public static func locate(_ name: String, containing marker: String,
                              executable: String = CommandLine.arguments[0]) -> String? {
        let fm = FileManager.default
        var candidates = [fm.currentDirectoryPath + "/" + name]
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0 ..< 4 {
            candidates.append(dir.appendingPathComponent(name).path)
            candidates.append(dir.appendingPathComponent("share/pvsites/" + name).path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.first { fm.fileExists(atPath: $0 + "/" + marker) }
    }
}
