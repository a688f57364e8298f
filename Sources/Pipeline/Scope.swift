/// What part of a Linux tree a row of the A/B covers (`configs[].scope`):
/// the subset's objects (the default directories, or `--subset`), every
/// object of the tree (`--full`), or the two linked `vmlinux` images.
public enum Scope: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case subset, tree, vmlinux

    public var description: String { rawValue }
}
