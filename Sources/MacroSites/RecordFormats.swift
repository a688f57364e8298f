/// The formats `--layout` knows by name. The names and the SPEC syntax are
/// part of the command line's contract: do not change them.
public enum RecordFormats {
    public static let presets: [any RecordFormat] = [ClobbersFormat(), Linux61Format(), Linux68Format()]

    /// The preset called `name`.
    public static func find(named name: String) -> (any RecordFormat)? {
        presets.first { $0.name == name }
    }

    /// A `--layout` value: a preset's name, else a SPEC.
    public static func parse(_ nameOrSpec: String) throws -> any RecordFormat {
        try find(named: nameOrSpec) ?? CustomFormat(spec: nameOrSpec)
    }
}
