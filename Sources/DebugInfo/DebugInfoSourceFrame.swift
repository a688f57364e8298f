import ELF

/// One level of the inline chain at an address, as `eu-addr2line -i -f`
/// prints it: a function name, then the source position in that function.
///
/// Frame 0 of a chain is the innermost function (often an inlined helper
/// from a header) with the line-table position of the address. Each next
/// frame is the function the previous one was inlined into, with the call
/// site (`DW_AT_call_file`, `DW_AT_call_line`, `DW_AT_call_column`). The
/// last frame is the concrete, out-of-line function.
///
/// Unknown parts read as eu-addr2line prints them: function `??`, file `??`
/// with line 0. A column of 0 means the compiler recorded none.
public struct SourceFrame: Sendable, Hashable, Codable, CustomStringConvertible {
    public let function: String
    /// The path as recorded in DWARF, joined to the unit's DW_AT_comp_dir
    /// when relative (what eu-addr2line prints by default).
    public let file: String
    public let line: Int
    public let column: Int

    public init(function: String, file: String, line: Int, column: Int) {
        self.function = function
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line` or `file:line:column`, eu-addr2line's position format.
    public var position: String {
        column == 0 ? "\(file):\(line)" : "\(file):\(line):\(column)"
    }

    /// `function at file:line:column`.
    public var description: String { "\(function) at \(position)" }

    static let unknownName = "??"
}
