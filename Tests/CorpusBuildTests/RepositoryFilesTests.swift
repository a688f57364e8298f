import CorpusBuild
import Foundation
import Testing

/// An installed pvsites (`<prefix>/bin/pvsites`) finds its data in
/// `<prefix>/share/pvsites/`, and a built one in its checkout.
@Suite struct RepositoryFilesTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("pvsites-repofiles-\(UUID().uuidString)").path

    private func make(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: path, contents: Data()))
    }

    @Test func installedTreeIsFoundFromTheBinary() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try make(root + "/prefix/bin/pvsites")
        try make(root + "/prefix/share/pvsites/DataUnderTest/configs.json")
        #expect(RepositoryFiles.locate("DataUnderTest", containing: "configs.json", executable: root + "/prefix/bin/pvsites")
                == root + "/prefix/share/pvsites/DataUnderTest")
    }

    @Test func checkoutIsFoundFromItsBuildDirectory() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try make(root + "/checkout/.build/release/pvsites")
        try make(root + "/checkout/DataUnderTest/build.sh")
        #expect(RepositoryFiles.locate("DataUnderTest", containing: "build.sh", executable: root + "/checkout/.build/release/pvsites")
                == root + "/checkout/DataUnderTest")
        // A directory without the marker is not taken.
        #expect(RepositoryFiles.locate("DataUnderTest", containing: "configs.json", executable: root + "/checkout/.build/release/pvsites") == nil)
    }
}
