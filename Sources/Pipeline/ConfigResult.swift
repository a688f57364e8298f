import CorpusBuild
import Compare
import RelocSites
import SiteModel

/// One (compiler, variant, opt, link) cell of the study.
public struct ConfigResult: Codable, Sendable {
    /// Text bytes of each build of the configuration (executable
    /// PROGBITS sections): one field per form, the same in every row of
    /// the configuration and link; `direct` nil where no direct build was
    /// made. A direct image's text includes its trampolines.
    public struct TextBytes: Codable, Sendable {
        public let annotated: Int
        public var plain: Int
        public var direct: Int?

        public init(annotated: Int, plain: Int, direct: Int? = nil) {
            self.annotated = annotated
            self.plain = plain
            self.direct = direct
        }

        /// The bytes of `form`'s build (nil when it was not built).
        public func bytes(_ form: Form) -> Int? { form == .plain ? plain : direct }
    }

    /// A missed or spurious site, by key, for the gate.
    public struct KeyedOutcome: Codable, Sendable, Hashable, Comparable {
        /// Portable (file names without directories), so baselines hold across machines.
        public let key: SiteKey
        public let cause: Cause?

        public init(key: SiteKey, cause: Cause?) {
            self.key = key.portable
            self.cause = cause
        }

        public static func < (a: KeyedOutcome, b: KeyedOutcome) -> Bool {
            (a.key, a.cause?.rawValue ?? "") < (b.key, b.cause?.rawValue ?? "")
        }
    }

    public struct PolicyKeys: Codable, Sendable {
        public let missed: [KeyedOutcome]
        public let spurious: [KeyedOutcome]
    }

    /// Objection 1: references by use in the plain build.
    public struct References: Codable, Sendable {
        public let total: Int
        public let byUse: [ReferenceUse: Int]
        public let confirmedBySweep: Int
        /// References through the GOT (`-fPIC`).
        public let viaGOT: Int
        /// In a linked image: GOT references of the objects that the linker
        /// relaxed away (`mov sym@GOTPCREL(%rip)` became `lea sym(%rip)`,
        /// and `--emit-relocs` rewrote the kept relocation to PC32): what
        /// the reloc points at changed under the scan. Objection 5.
        public var relaxed: Int

        enum CodingKeys: String, CodingKey {
            case total, relaxed
            case byUse = "by_use"
            case confirmedBySweep = "confirmed_by_sweep"
            case viaGOT = "via_got"
        }
    }

    /// Linux 6.8+: what `.altinstructions` holds besides the pv sites.
    /// Each pv call is a direct-call alternative; a `PVOP_ALT_*` call has
    /// a second alternative at the same instruction, the native code the
    /// kernel runs on bare metal (`ALT_NOT(X86_FEATURE_XENPV)`: `mov
    /// %rdi,%rax` for pte_val and the other identity ops, cli, sti, pushf;
    /// pop, ...), which a plain build, whose op is a C call, loses:
    /// a record made from a scan can make that call direct, never native.
    /// The rest are CPU-feature alternatives, not sites.
    public struct Alternatives: Codable, Sendable {
        public var records = 0
        public var sites = 0
        public var nativeReplacements = 0
        public var other = 0

        public init() {}

        enum CodingKeys: String, CodingKey {
            case records, sites, other
            case nativeReplacements = "native_replacements"
        }

        static func + (a: Alternatives, b: Alternatives) -> Alternatives {
            var r = Alternatives()
            r.records = a.records + b.records
            r.sites = a.sites + b.sites
            r.nativeReplacements = a.nativeReplacements + b.nativeReplacements
            r.other = a.other + b.other
            return r
        }
    }

    /// Objection 3: annotated sites whose clobbers are narrower than the C ABI.
    public struct Clobbers: Codable, Sendable {
        public let annotatedC: Int
        public let annotatedAsm: Int
        public let narrowC: Int
        public let narrowAsm: Int

        enum CodingKeys: String, CodingKey {
            case annotatedC = "annotated_c"
            case annotatedAsm = "annotated_asm"
            case narrowC = "narrow_c"
            case narrowAsm = "narrow_asm"
        }
    }

    public let compiler: String
    public let variant: String
    public let opt: String
    public let link: LinkForm
    /// The form compared with the annotated build (`form` in JSON; a
    /// result written before the direct form was plain).
    public var form: Form {
        get { storedForm ?? .plain }
        set { storedForm = newValue }
    }
    var storedForm: Form? = nil
    public var textBytes: TextBytes
    /// Counts of the cross-build comparison, per policy.
    public let policies: [Policy: Counts]
    /// RelocSites (decoded) on the annotated build itself, same-object: the
    /// scan must find every annotated site there.
    public let control: Counts
    /// Of the control's size mismatches, those at hand-written asm sites
    /// whose record covers register saves around the call (Linux's
    /// PV_SAVE_REGS pattern): the call is found, the site is longer.
    public let controlSizeMismatchedAsm: Int
    public var references: References
    public let clobbers: Clobbers
    /// The missed and spurious site keys, per policy.
    public let keys: [Policy: PolicyKeys]
    /// The Linux A/B only: the kernel version (`6.1`), retpolines (`on`
    /// or `off` in JSON), and the number of object pairs compared.
    public var kernel: String? = nil
    public var retpoline: Retpoline? = nil
    public var objects: Int? = nil
    /// The Linux A/B only: which part of the tree the row covers.
    public var scope: Scope? = nil
    /// Linux 6.8+ only (records that are alternatives): nil otherwise.
    public var alternatives: Alternatives? = nil
    /// Per op: annotated sites and what each policy made of them, by field
    /// offset. Nil only in a study written before ops were kept.
    public var ops: [OpTally]? = nil

    enum CodingKeys: String, CodingKey {
        case compiler, variant, opt, link, policies, control, references, clobbers, keys
        case kernel, retpoline, objects, scope, ops, alternatives
        case storedForm = "form"
        case textBytes = "text_bytes"
        case controlSizeMismatchedAsm = "control_size_mismatched_asm"
    }

    /// Which configuration the row measures: what the gate and `pvsites
    /// diff` pair rows by.
    public var id: ConfigID {
        ConfigID(compiler: compiler, variant: variant, opt: opt, link: link, form: form, kernel: kernel,
                 retpoline: retpoline, scope: scope)
    }

    public var configuration: BuildConfiguration { BuildConfiguration(compiler: compiler, variant: variant, opt: opt) }

    /// `gcc kernel -O2 object` (plain form), `gcc kernel -O2 object direct`:
    /// how configs are named in reports and the gate.
    public var name: String { id.name }
}
