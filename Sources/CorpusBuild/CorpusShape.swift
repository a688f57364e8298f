/// What a corpus file is (`shapes` in configs.json, by file name): the
/// corpus is a catalogue of shapes, not a sample of code, so the reports
/// say per shape which policy finds it instead of totals whose size
/// depends on how many files were written.
public struct CorpusShape: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, CaseIterable, Comparable {
        /// Code as the kernel writes it (a PVOP use in a loop, a lock path).
        case kernelIdiom = "kernel-idiom"
        /// Something the compiler does to ordinary code (tail calls,
        /// unrolling, jump tables, tail merging, out-of-line copies).
        case compilerHazard = "compiler-hazard"
        /// Written to defeat the scan (a copy of the table, a literal
        /// pool, a store then a call).
        case adversarial

        public static func < (a: Kind, b: Kind) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }
    }

    public let kind: Kind
    /// One line: what the file does.
    public let about: String

    public init(kind: Kind, about: String) {
        self.kind = kind
        self.about = about
    }
}
