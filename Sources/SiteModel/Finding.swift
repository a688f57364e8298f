import ELF

/// A warning about one input, with where it is: `file: place: message`,
/// objtool's shape. `place` is `func+0x1a`, `section+0x1a` or a record
/// (`.parainstructions[12]`). `code` is its entry in docs/messages.md
/// ("Warnings"); JSON carries it as `code`.
public struct Finding: Sendable, Hashable, Codable, CustomStringConvertible, CataloguedMessage {
    public let code: Code
    public let path: String
    public let place: String
    public let message: String

    public init(_ code: Code, path: String, place: String, message: String) {
        self.code = code
        self.path = path
        self.place = place
        self.message = message
    }

    public var description: String { "\(path): \(place): \(message)" }

    /// What a warning is about, one case per message.
    public enum Code: String, CaseIterable, Sendable, Codable {
        /// Either strategy: the DWARF does not read.
        case dwarfUnusable = "dwarf-unusable"
        /// The scan: a relocation against the table or a trampoline whose
        /// instruction does not decode.
        case referenceDoesNotDecode = "reference-does-not-decode"
        /// The direct form: a `pv_tramp_<op>` whose op is no field of the table.
        case trampolineNotAField = "trampoline-not-a-field"
        /// Records: two records' sites share bytes.
        case overlappingSites = "overlapping-sites"
        case sectionNotWholeRecords = "section-not-whole-records"
        case noInstructionRelocation = "no-instruction-relocation"
        case instructionUndefinedSymbol = "instruction-undefined-symbol"
        case instructionOutsideSymbol = "instruction-outside-symbol"
        case instructionOutsideCode = "instruction-outside-code"
        case instructionNotInCode = "instruction-not-in-code"
        case recordTruncated = "record-truncated"
        case zeroLength = "zero-length"
        case implausibleLength = "implausible-length"
        case bytesDoNotDecode = "bytes-do-not-decode"
        case lengthMismatch = "length-mismatch"
        case typeOutsideTable = "type-outside-table"
        case typeReferenceMismatch = "type-reference-mismatch"
        case noTableReference = "no-table-reference"
        case unknownClobbers = "unknown-clobbers"
    }
}
