/// `configs.json`: the build matrix of a corpus (Corpus/README.md explains
/// every field). Decoding it is the only place that knows its keys.
public struct CorpusConfig: Codable, Sendable {
    public struct Compiler: Codable, Sendable, Hashable {
        public let name: String
        public let command: String
        public let family: String?
        public let isDefault: Bool?
        public let optional: Bool?

        enum CodingKeys: String, CodingKey {
            case name, command, family, optional
            case isDefault = "default"
        }
    }

    public struct Variant: Codable, Sendable, Hashable {
        public let name: String
        public let about: String?
        public let cflags: [String]
        public let familyCflags: [String: [String]]?
        public let annotatedCflags: [String]
        public let plainCflags: [String]
        /// Flags of the direct mode (`-DPVOPS_DIRECT`); required when
        /// `modes` lists `direct`.
        public let directCflags: [String]?
        public let linkFlags: [String]

        enum CodingKeys: String, CodingKey {
            case name, about, cflags
            case familyCflags = "family_cflags"
            case annotatedCflags = "annotated_cflags"
            case plainCflags = "plain_cflags"
            case directCflags = "direct_cflags"
            case linkFlags = "link_flags"
        }
    }

    /// The direct form's trampolines: the source that defines them (built
    /// once per configuration, linked into the direct image only, like the
    /// stubs into every image) and the prefix of their symbols,
    /// `pv_tramp_` + the op's field name.
    public struct Trampolines: Codable, Sendable, Hashable {
        public let source: String
        public let prefix: String
    }

    public let schema: Int
    public let tableSymbol: String
    public let recordSection: String
    public let sources: [String]
    public let includeDirs: [String]
    public let perFileCflagsMarker: String?
    public let stubs: String?
    /// Nil for a corpus without the direct form.
    public let trampolines: Trampolines?
    public let compilers: [Compiler]
    public let opts: [String]
    public let commonCflags: [String]
    public let familyCflags: [String: [String]]?
    public let modes: [String]
    public let variants: [Variant]
    public let links: [LinkForm]
    public let commonLinkFlags: [String]
    /// File name (`ops_pointer.c`) -> what it is; nil for a corpus that
    /// does not declare them.
    public let shapes: [String: CorpusShape]?

    enum CodingKeys: String, CodingKey {
        case schema, sources, stubs, trampolines, compilers, opts, modes, variants, links, shapes
        case tableSymbol = "table_symbol"
        case recordSection = "record_section"
        case includeDirs = "include_dirs"
        case perFileCflagsMarker = "per_file_cflags_marker"
        case commonCflags = "common_cflags"
        case familyCflags = "family_cflags"
        case commonLinkFlags = "common_link_flags"
    }
}

/// The two forms every build is scanned in (`links` in configs.json, by
/// these names).
public enum LinkForm: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// Each source's `.o` alone.
    case object
    /// One image of all the objects, linked with `--emit-relocs`.
    case linked

    public var description: String { rawValue }
}

/// The ways a configuration is built (`modes` in configs.json), in the
/// corpus and in the Linux A/B alike (a kernel's build directory ends in
/// the mode's name).
public enum BuildMode: String, Sendable, Codable, CaseIterable {
    /// `-DPVOPS_ANNOTATE`: inline asm plus a record per site. In Linux, the
    /// real PVOP_* macros: inline asm and a `.parainstructions` record.
    case annotated
    /// Plain C calls through the table. In Linux, `-DPVOPS_PLAIN`: the
    /// macros are plain C calls through `pv_ops`.
    case plain
    /// `-DPVOPS_DIRECT`: plain C direct calls to a per-op trampoline
    /// (`pv_tramp_<op>`), as Linux's static_call. In Linux (direct-mode.patch,
    /// applied after the plain one) each trampoline is a `jmp
    /// *pv_ops+off(%rip)` in arch/x86/kernel/pv_tramp.o.
    case direct

    /// The unannotated form this build is; nil for the annotated one.
    public var form: Form? {
        switch self {
        case .annotated: return nil
        case .plain: return .plain
        case .direct: return .direct
        }
    }
}

/// The unannotated form a study compares the annotated build with: each is
/// a build mode, and each gives every configuration a result of its own
/// (`form` in the study's JSON).
public enum Form: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable, CustomStringConvertible {
    /// Plain C calls through the table, found by scanning references to it.
    case plain
    /// Direct calls to per-op trampolines, found by their relocations.
    case direct

    public var mode: BuildMode { self == .plain ? .plain : .direct }

    public var description: String { rawValue }
}

/// One cell of the matrix: compiler × variant × opt level.
public struct BuildConfiguration: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let compiler: String
    public let variant: String
    public let opt: String

    public init(compiler: String, variant: String, opt: String) {
        self.compiler = compiler
        self.variant = variant
        self.opt = opt
    }

    public var description: String { "\(compiler) \(variant) \(opt)" }

    /// A name usable in file names: `gcc-kernel-O2`.
    public var slug: String { "\(compiler)-\(variant)-\(opt.replacingOccurrences(of: "-", with: ""))" }

    public static func < (a: BuildConfiguration, b: BuildConfiguration) -> Bool {
        (a.compiler, a.variant, a.opt) < (b.compiler, b.variant, b.opt)
    }
}
