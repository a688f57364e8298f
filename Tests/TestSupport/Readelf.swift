import Foundation

/// What binutils' `readelf -hSrW` says about one ELF file: its sections and
/// (some of) its relocations. Tests compare pvsites' scans with it; nothing
/// here goes through pvsites' own ELF reader.
public struct ReadelfFile: Sendable {
    public struct Section: Sendable, Hashable {
        public let index: Int
        public let name: String
        public let type: String
        public let address: UInt64
        public let fileOffset: UInt64
        public let size: UInt64
        /// readelf's flag letters (`AX`, `WA`, `I`).
        public let flags: String
        /// sh_info: for a relocation section, the section it patches.
        public let info: Int

        public var isExecutable: Bool { flags.contains("X") }
    }

    /// One relocation, as `offset info type value name + addend`.
    public struct Relocation: Sendable, Hashable, CustomStringConvertible {
        /// The relocation section (`.rela.text`).
        public let relocationSection: String
        /// Index of the section it patches (the relocation section's sh_info).
        public let target: Int
        /// r_offset: section-relative in an object, an address in a linked image.
        public let offset: UInt64
        public let type: String
        public let symbolValue: UInt64
        /// The symbol's name; a section symbol is printed as its section's name.
        public let symbol: String
        public let addend: Int64

        public var description: String {
            "\(relocationSection)@0x\(String(offset, radix: 16)) \(type) \(symbol)\(addend < 0 ? "-" : "+")0x\(String(addend.magnitude, radix: 16))"
        }
    }

    public let path: String
    /// ET_REL (`Type: REL` in the file header): relocation offsets are
    /// relative to their section, whatever its sh_addr (a module's
    /// `.data` can have one).
    public fileprivate(set) var isRelocatable = false
    public fileprivate(set) var sections: [Section] = []
    public fileprivate(set) var relocations: [Relocation] = []

    public func section(index: Int) -> Section? {
        // readelf lists them in order from 1 (the null section is skipped).
        if index >= 1, index <= sections.count, sections[index - 1].index == index { return sections[index - 1] }
        return sections.first { $0.index == index }
    }
    public func section(named name: String) -> Section? { sections.first { $0.name == name } }

    /// Where `r` applies, as an offset in the section it patches.
    public func sectionOffset(_ r: Relocation) -> UInt64 {
        isRelocatable ? r.offset : r.offset &- (section(index: r.target)?.address ?? 0)
    }

    /// The relocations that patch section `name`.
    public func relocations(patching name: String) -> [Relocation] {
        guard let s = section(named: name) else { return [] }
        return relocations.filter { $0.target == s.index }
    }

    /// The bytes of `section`, read from the file at the offset readelf gives.
    public func contents(_ section: Section) throws -> [UInt8] {
        guard section.type != "NOBITS", section.size > 0 else { return [] }
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seek(toOffset: section.fileOffset)
        let data = try handle.read(upToCount: Int(section.size)) ?? Data()
        guard data.count == Int(section.size) else {
            throw FixtureError.commandFailed("read \(path) \(section.name)", "short read: \(data.count) of \(section.size) bytes")
        }
        return [UInt8](data)
    }
}

public enum Readelf {
    /// `readelf -hSrW` over `paths`, by path. Only the relocations against a
    /// symbol named `symbol`, or in a relocation section named in `in`, are
    /// kept (`all` keeps every one): awk drops the others before they reach
    /// the test, since the whole listing of a module tree or a vmlinux runs
    /// to hundreds of megabytes. Runs in chunks, in parallel.
    public static func read(_ paths: [String], against symbol: String? = nil, in relocationSections: Set<String> = [],
                            all: Bool = false) throws -> [String: ReadelfFile] {
        // Entry lines are `offset info type value name [+-] addend`.
        let filter = #"""
            BEGIN { n = split(secs, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
            /^File: / || /^  \[/ || /^  Type: / { print; next }
            /^Relocation section / { s = $3; gsub(/'/, "", s); keep = all || (s in want); print; next }
            keep || (sym != "" && $5 == sym) { print }
            """#
        let chunks = stride(from: 0, to: paths.count, by: 256).map { Array(paths[$0 ..< min($0 + 256, paths.count)]) }
        let results = UnsafeResults<[String: ReadelfFile]>(count: chunks.count)
        DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
            results.set(i, Result {
                let r = try Command.run(["bash", "-c",
                                         #"set -o pipefail; p=$1 sym=$2 secs=$3 all=$4; shift 4; readelf -hSrW "$@" | awk -v sym="$sym" -v secs="$secs" -v all="$all" "$p""#,
                                         "bash", filter, symbol ?? "", relocationSections.sorted().joined(separator: " "),
                                         all ? "1" : "0"] + chunks[i])
                guard r.status == 0 else {
                    throw FixtureError.commandFailed("readelf -hSrW (\(chunks[i].count) files from \(chunks[i][0]))", r.stderr)
                }
                return parse(r.stdout, paths: chunks[i])
            })
        }
        var files: [String: ReadelfFile] = [:]
        for r in results.values { files.merge(try r.get()) { a, _ in a } }
        return files
    }

    /// Parse `readelf -hSrW` of `paths` (it names each file only when given
    /// more than one).
    static func parse(_ text: String, paths: [String]) -> [String: ReadelfFile] {
        var files: [String: ReadelfFile] = [:]
        var current: String? = paths.count == 1 ? paths[0] : nil
        var relocationSection = "", target = -1
        for line in text.split(separator: "\n") {
            if line.hasPrefix("File: ") {
                current = String(line.dropFirst("File: ".count))
                continue
            }
            guard let path = current else { continue }
            var file = files[path] ?? ReadelfFile(path: path)
            defer { files[path] = file }
            if line.hasPrefix("  Type: ") {
                file.isRelocatable = line.split(separator: " ").dropFirst().first == "REL"
                continue
            }
            if line.hasPrefix("  ["), let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"),
               let index = Int(line[line.index(after: open) ..< close].trimmingCharacters(in: .whitespaces)) {
                // name type address off size es [flags] lk inf al
                let f = line[line.index(after: close)...].split(separator: " ")
                guard f.count == 9 || f.count == 10, let address = UInt64(f[2], radix: 16),
                      let offset = UInt64(f[3], radix: 16), let size = UInt64(f[4], radix: 16),
                      let info = Int(f[f.count - 2]) else { continue }
                file.sections.append(.init(index: index, name: String(f[0]), type: String(f[1]), address: address,
                                           fileOffset: offset, size: size, flags: f.count == 10 ? String(f[6]) : "",
                                           info: info))
                continue
            }
            if line.hasPrefix("Relocation section '") {
                // Relocation section '.rela.text' at offset 0x23f8 contains 55 entries:
                relocationSection = String(line.split(separator: "'")[1])
                let words = line.split(separator: " ")
                let offset = words.firstIndex(of: "offset").flatMap { i in UInt64(words[i + 1].dropFirst(2), radix: 16) }
                target = file.sections.first { $0.fileOffset == offset && ($0.type == "RELA" || $0.type == "REL") }?.info ?? -1
                continue
            }
            let f = line.split(separator: " ")
            guard f.count >= 4, let offset = UInt64(f[0], radix: 16), UInt64(f[1], radix: 16) != nil,
                  f[2].hasPrefix("R_") else { continue }
            var value: UInt64 = 0, name = "", addend: Int64 = 0
            if f.count >= 7, let v = UInt64(f[3], radix: 16), f[5] == "+" || f[5] == "-",
               let a = UInt64(f[6], radix: 16) {
                value = v
                name = String(f[4])
                addend = f[5] == "+" ? Int64(bitPattern: a) : -Int64(bitPattern: a)
            } else if f.count == 4, let a = UInt64(f[3], radix: 16) {
                addend = Int64(bitPattern: a)  // no symbol
            }
            file.relocations.append(.init(relocationSection: relocationSection, target: target, offset: offset,
                                          type: String(f[2]), symbolValue: value, symbol: name, addend: addend))
        }
        return files
    }

    /// One `.symtab` entry as `readelf -sW` prints it.
    public struct Symbol: Sendable, Hashable {
        public let index: Int
        public let value: UInt64
        public let size: UInt64
        public let type: String
        public let binding: String
        /// The section index, or `UND`, `ABS`, `COM`.
        public let section: String
        public let name: String
    }

    /// `.symtab` of `path`, every entry (the null symbol included).
    public static func symbols(_ path: String) throws -> [Symbol] {
        let out = try Command.check(["readelf", "-sW", path])
        var inSymtab = false
        var symbols: [Symbol] = []
        for line in out.split(separator: "\n") {
            if line.hasPrefix("Symbol table ") { inSymtab = line.contains("'.symtab'"); continue }
            // Num: Value Size Type Bind Vis Ndx [Name]
            let f = line.split(separator: " ")
            guard inSymtab, f.count >= 7, f[0].hasSuffix(":"), let index = Int(f[0].dropLast()),
                  let value = UInt64(f[1], radix: 16) else { continue }
            let size = f[2].hasPrefix("0x") ? UInt64(f[2].dropFirst(2), radix: 16) : UInt64(f[2])
            symbols.append(Symbol(index: index, value: value, size: size ?? 0, type: String(f[3]), binding: String(f[4]),
                                  section: String(f[6]), name: f.count > 7 ? String(f[7]) : ""))
        }
        return symbols
    }
}

/// Results of a concurrentPerform, one slot per iteration.
final class UnsafeResults<T>: @unchecked Sendable {
    private var slots: [Result<T, any Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: Result<T, any Error>) {
        lock.lock()
        slots[i] = value
        lock.unlock()
    }

    var values: [Result<T, any Error>] { slots.map { $0! } }
}
