/// `0x1a`-style hexadecimal, the form every diagnostic and report uses.
public func hex<T: BinaryInteger>(_ value: T) -> String {
    value < 0 ? "-0x" + String(value.magnitude, radix: 16) : "0x" + String(value, radix: 16)
}
