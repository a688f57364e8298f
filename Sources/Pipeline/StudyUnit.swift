import CorpusBuild
import SiteModel

/// The pairs of one configuration in one link form: one `ConfigResult`.
public struct StudyUnit: Sendable {
    public let configuration: BuildConfiguration
    public let link: LinkForm
    public let pairs: [ObjectPair]
    /// Set by the Linux A/B: the kernel version, retpolines, and the
    /// number of object pairs go into the config's result.
    public var kernel: String?
    public var retpoline: Retpoline?
    /// Set by the Linux A/B: the subset, the whole tree, or vmlinux.
    public var scope: Scope?
    /// The unannotated form the pairs' second file is built in.
    public var form: Form
    /// The direct form's trampoline prefix (configs.json `trampolines`).
    public var trampolinePrefix: String?

    public init(configuration: BuildConfiguration, link: LinkForm, pairs: [ObjectPair],
                kernel: String? = nil, retpoline: Retpoline? = nil, scope: Scope? = nil, form: Form = .plain,
                trampolinePrefix: String? = Trampolines.defaultPrefix) {
        self.configuration = configuration
        self.link = link
        self.pairs = pairs
        self.kernel = kernel
        self.retpoline = retpoline
        self.scope = scope
        self.form = form
        self.trampolinePrefix = trampolinePrefix
    }
}
