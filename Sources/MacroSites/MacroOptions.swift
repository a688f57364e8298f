/// Options of the macro strategy.
public struct MacroOptions: Sendable {
    /// The records section (default: the format's, else `.parainstructions`,
    /// else `.altinstructions`).
    public var section: String?
    /// The record format (`--layout`); nil: detected.
    public var format: (any RecordFormat)?
    public var tableSymbol: String?
    /// Attach inline chains from DWARF (costs time on big files).
    public var sourcePositions: Bool

    public init(section: String? = nil, format: (any RecordFormat)? = nil, tableSymbol: String? = nil,
                sourcePositions: Bool = true) {
        self.section = section
        self.format = format
        self.tableSymbol = tableSymbol
        self.sourcePositions = sourcePositions
    }
}
