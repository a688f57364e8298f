import CorpusBuild

/// Retpolines in a Linux A/B configuration (`retpoline` in the study JSON,
/// `on` or `off`). Ordered off before on: the order of every table.
public enum Retpoline: String, Sendable, Codable, Comparable, CaseIterable, CustomStringConvertible {
    case off, on

    public init(_ on: Bool) { self = on ? .on : .off }

    public var isOn: Bool { self == .on }

    public var description: String { rawValue }

    public static func < (a: Retpoline, b: Retpoline) -> Bool { !a.isOn && b.isOn }
}

/// One configuration's identity: which build of which corpus or kernel a
/// result (or a baseline entry) measures. The study's rows, the gate's
/// baseline, `pvsites diff` and the recorded check all pair configurations
/// by it; adding a field here (and to `ConfigResult.id` and the baseline's
/// `Config`) is how a new dimension of the matrix becomes part of every
/// pairing.
///
/// `scope` is `tree` or nil: the Linux subset's objects and vmlinux are
/// told apart by `link` already. `kernel` and `retpoline` are nil outside
/// the Linux A/B, whose results also pack them into the variant name
/// (`linux-6.1-retpoline-on`, `linuxVariant`).
///
/// An empty `compiler` or `variant` is one a comparison left out of the
/// pairing (`leavingOut`): two studies of one compiler each pair across it.
public struct ConfigID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let compiler: String
    public let kernel: String?
    public let variant: String
    public let opt: String
    public let retpoline: Retpoline?
    /// The form compared with the annotated build.
    public let form: Form
    public let link: LinkForm
    public let scope: Scope?

    public init(compiler: String, variant: String, opt: String, link: LinkForm, form: Form = .plain,
                kernel: String? = nil, retpoline: Retpoline? = nil, scope: Scope? = nil) {
        self.compiler = compiler
        self.kernel = kernel
        self.variant = variant
        self.opt = opt
        self.retpoline = retpoline
        self.form = form
        self.link = link
        self.scope = scope == .tree ? .tree : nil
    }

    /// The (compiler, variant, opt) cell of the build matrix.
    public var configuration: BuildConfiguration { BuildConfiguration(compiler: compiler, variant: variant, opt: opt) }

    /// The variant a Linux A/B configuration is built and reported under:
    /// `linux-6.1-retpoline-on`.
    public static func linuxVariant(kernel: String, retpoline: Retpoline) -> String {
        "linux-\(kernel)-retpoline-\(retpoline)"
    }

    /// `gcc kernel -O2 object` (plain form), `gcc kernel -O2 object direct`:
    /// how reports and the gate name a configuration's row.
    public var name: String { "\(compiler) \(variant) \(opt) \(link)" + (form == .plain ? "" : " \(form)") }

    /// The name, `... object tree` for a whole tree: the gate's names.
    public var description: String { name + (scope.map { " \($0)" } ?? "") }

    /// Every field that is set, for `pvsites diff`: `gcc kernel -O2 object
    /// plain`, `6.1 linux-6.1-retpoline-on -O2 retpoline on object plain
    /// tree`. `links` replaces the link form (`object+linked` for rows
    /// that changed alike); `formLast` puts the form after the scope.
    public func fullName(links: [LinkForm]? = nil, formLast: Bool = false) -> String {
        var words: [String] = []
        if !compiler.isEmpty { words.append(compiler) }
        if let kernel { words.append(kernel) }
        if !variant.isEmpty { words.append(variant) }
        words.append(opt)
        if let retpoline { words.append("retpoline \(retpoline)") }
        words.append((links ?? [link]).map(\.rawValue).joined(separator: "+"))
        if !formLast { words.append(form.rawValue) }
        if let scope { words.append(scope.rawValue) }
        if formLast { words.append(form.rawValue) }
        return words.joined(separator: " ")
    }

    /// The same identity without the compiler or the variant (empty), or
    /// the kernel version (nil, and the variant its name is made of), for
    /// pairing two studies across them: a 6.1 row pairs with the 6.12 row
    /// of the same opt, retpolines, form, link and scope.
    public func leavingOut(compiler: Bool = false, variant: Bool = false, kernel: Bool = false) -> ConfigID {
        let dropKernel = kernel && self.kernel != nil
        return ConfigID(compiler: compiler ? "" : self.compiler, variant: variant || dropKernel ? "" : self.variant, opt: opt,
                        link: link, form: form, kernel: dropKernel ? nil : self.kernel, retpoline: retpoline, scope: scope)
    }

    /// The same configuration in the linked form and plain form, for
    /// grouping rows that differ only there.
    public func with(link: LinkForm) -> ConfigID {
        ConfigID(compiler: compiler, variant: variant, opt: opt, link: link, form: form, kernel: kernel,
                 retpoline: retpoline, scope: scope)
    }

    /// By name throughout (`linked` before `object`, `direct` before
    /// `plain`), as the baseline file is sorted; the kernel and retpolines
    /// (also in a Linux variant's name) last.
    public static func < (a: ConfigID, b: ConfigID) -> Bool {
        let x = (a.compiler, a.variant, a.opt, a.link.rawValue, a.form.rawValue, a.scope?.rawValue ?? "")
        let y = (b.compiler, b.variant, b.opt, b.link.rawValue, b.form.rawValue, b.scope?.rawValue ?? "")
        if x != y { return x < y }
        return (a.kernel ?? "", a.retpoline?.rawValue ?? "") < (b.kernel ?? "", b.retpoline?.rawValue ?? "")
    }
}
