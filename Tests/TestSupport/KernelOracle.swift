import Foundation
import Testing

/// binutils' account of the real kernel inputs, read once per test process
/// (the record and the reference suites both compare with it): `readelf
/// -SrW`, keeping the relocations against `pv_ops` and those of the record
/// sections. The 6.12 modules are `.ko.xz`, which readelf cannot read: `xz
/// -dc` unpacks them into the fixture cache first (once per kernel version).
public enum KernelOracle {
    public static let table = "pv_ops"

    /// One module: where pvsites reads it, and what readelf says about it.
    public struct Module: Sendable {
        /// The file in the kernel cache (`.ko`, or `.ko.xz` for 6.12).
        public let path: String
        /// readelf's view, of the unpacked copy for `.ko.xz`.
        public let readelf: ReadelfFile
    }

    public static let linux61Modules: Result<[Module], any Error> = Result {
        let paths = try RealKernels.files(.linux61Modules, suffix: ".ko")
        let files = try Readelf.read(paths, against: table, in: [".rela.parainstructions"])
        return try paths.map { Module(path: $0, readelf: try described(files, $0)) }
    }

    public static let linux61Vmlinux: Result<ReadelfFile, any Error> = Result {
        let path = try RealKernels.require(.linux61Vmlinux)
        return try described(try Readelf.read([path], against: table, in: [".rela.parainstructions"]), path)
    }

    public static let linux612Modules: Result<[Module], any Error> = Result {
        let packed = try RealKernels.files(.linux612Modules, suffix: ".ko.xz")
        let root = try RealKernels.require(.linux612Modules)
        let unpacked = try unpack(packed, root: root)
        let files = try Readelf.read(unpacked, against: table, in: [".rela.altinstructions"])
        return try zip(packed, unpacked).map { Module(path: $0, readelf: try described(files, $1)) }
    }

    private static func described(_ files: [String: ReadelfFile], _ path: String) throws -> ReadelfFile {
        guard let f = files[path], !f.sections.isEmpty else {
            throw FixtureError.commandFailed("readelf -hSrW \(path)", "no section headers in its output")
        }
        return f
    }

    /// `xz -dc` every file of `packed` (below `root`) into
    /// `<fixture cache>/<kernel>-unpacked-<hash of VERSION>/`, kept for the
    /// next run; returns the unpacked paths in the same order.
    static func unpack(_ packed: [String], root: String) throws -> [String] {
        let kernel = URL(fileURLWithPath: root).deletingLastPathComponent()
        let version = (try? String(contentsOf: kernel.appendingPathComponent("VERSION"), encoding: .utf8)) ?? ""
        let prefix = kernel.lastPathComponent + "-unpacked-"
        let dir = Fixtures.cacheDirectory + "/" + prefix + Fixtures.hash([version] + packed)
        let relative = packed.map { String($0.dropFirst(root.count + 1).dropLast(".xz".count)) }
        let fm = FileManager.default
        if !fm.fileExists(atPath: dir) {
            // Other versions' copies go; this one is built aside and moved
            // into place, so a half-unpacked tree is never used.
            for old in (try? fm.contentsOfDirectory(atPath: Fixtures.cacheDirectory)) ?? [] where old.hasPrefix(prefix) {
                try? fm.removeItem(atPath: Fixtures.cacheDirectory + "/" + old)
            }
            let temp = dir + ".tmp\(getpid())"
            try? fm.removeItem(atPath: temp)
            let half = (packed.count + 1) / 2
            let chunks = [Array(relative.prefix(half)), Array(relative.dropFirst(half))].filter { !$0.isEmpty }
            let results = UnsafeResults<Void>(count: chunks.count)
            DispatchQueue.concurrentPerform(iterations: chunks.count) { i in
                results.set(i, Result {
                    try Command.check(["bash", "-c", #"set -e; in=$1 out=$2; shift 2; for f; do [[ $f != */* ]] || mkdir -p "$out/${f%/*}"; xz -dc "$in/$f.xz" > "$out/$f"; done"#,
                                       "bash", root, temp] + chunks[i])
                })
            }
            for r in results.values { try r.get() }
            if rename(temp, dir) != 0 {
                try? fm.removeItem(atPath: temp)
                guard fm.fileExists(atPath: dir) else { throw FixtureError.commandFailed("rename \(temp)", String(cString: strerror(errno))) }
            }
        }
        return relative.map { dir + "/" + $0 }
    }
}

/// Sites and references as readelf and the raw bytes give them, in the
/// terms of pvsites' `Site` and `Reference` (section name, offset in it).
public struct ExpectedSite: Sendable, Hashable, CustomStringConvertible {
    public let section: String
    public let offset: UInt64
    public let length: Int
    /// Field of the table: the record's type byte times 8 (6.1), or the
    /// field of the call inside (6.8, whose records have no type).
    public let opOffset: Int64
    /// The record's clobbers field (6.1 layouts that have one).
    public let clobbers: UInt16?
    /// The one call or jump through the table inside the recorded bytes.
    public let call: ExpectedReference.Call?

    public var description: String {
        "\(section)+0x\(String(offset, radix: 16)) len \(length) op 0x\(String(opOffset, radix: 16)) \(call.map { "\($0.kind) +0x\(String($0.field, radix: 16))" } ?? "no call")"
    }
}

public struct ExpectedReference: Sendable, Hashable, CustomStringConvertible {
    /// A call or jump through the table, recognised by its bytes:
    /// `ff 15`/`ff 25` before a PC32 (`call`/`jmp *disp32(%rip)`), or
    /// `ff 14 25`/`ff 24 25` before a 32S (`call`/`jmp *abs32`).
    public struct Call: Sendable, Hashable {
        public let kind: String
        /// Offset of the instruction in its section, and its length.
        public let offset: UInt64
        public let length: Int
        /// The table field it goes through.
        public let field: Int64
    }

    public let section: String
    /// r_offset, relative to the section it patches.
    public let relocationOffset: UInt64
    public let type: String
    public let call: Call?

    public var description: String { "\(section)+0x\(String(relocationOffset, radix: 16)) \(type)" }
}

extension KernelOracle {
    /// Code bytes by section index, read once per file, and the
    /// relocations against the table (`pv_ops`, or the corpus's
    /// `paravirt_ops`) by the section they patch.
    public final class Code: @unchecked Sendable {
        let file: ReadelfFile
        let table: String
        private var cache: [Int: [UInt8]] = [:]
        let tableRelocations: [Int: [ReadelfFile.Relocation]]

        public init(_ file: ReadelfFile, table: String = KernelOracle.table) {
            self.file = file
            self.table = table
            tableRelocations = Dictionary(grouping: file.relocations.filter { $0.symbol == table }, by: \.target)
        }

        public func bytes(_ section: ReadelfFile.Section) throws -> [UInt8] {
            if let b = cache[section.index] { return b }
            let b = try file.contents(section)
            cache[section.index] = b
            return b
        }
    }

    /// Every relocation against the table in an executable section (also
    /// of objects other than kernels: the table is `code`'s).
    public static func references(_ file: ReadelfFile, code: Code) throws -> [ExpectedReference] {
        var out: [ExpectedReference] = []
        for r in file.relocations where r.symbol == code.table {
            guard let target = file.section(index: r.target), target.isExecutable else { continue }
            let at = file.sectionOffset(r)
            out.append(ExpectedReference(section: target.name, relocationOffset: at, type: r.type,
                                         call: call(r, at: at, in: try code.bytes(target))))
        }
        return out
    }

    static func call(_ r: ReadelfFile.Relocation, at: UInt64, in bytes: [UInt8]) -> ExpectedReference.Call? {
        let i = Int(at)
        guard i >= 2, i + 4 <= bytes.count else { return nil }
        let pcRelative = r.type == "R_X86_64_PC32" || r.type == "R_X86_64_PLT32"
        if pcRelative, bytes[i - 2] == 0xff, bytes[i - 1] == 0x15 || bytes[i - 1] == 0x25 {
            // The displacement is the last field: the instruction ends 4 bytes on.
            return .init(kind: bytes[i - 1] == 0x15 ? "call" : "jmp", offset: at - 2, length: 6, field: r.addend + 4)
        }
        if r.type == "R_X86_64_32S", i >= 3, bytes[i - 3] == 0xff, bytes[i - 2] == 0x14 || bytes[i - 2] == 0x24, bytes[i - 1] == 0x25 {
            return .init(kind: bytes[i - 2] == 0x14 ? "call" : "jmp", offset: at - 3, length: 7, field: r.addend)
        }
        return nil
    }

    /// Linux 6.1 `.parainstructions`: `{u8 *instr; u8 type; u8 len; u16
    /// clobbers}` padded to 16 bytes, one R_X86_64_64 per record naming the
    /// site. Returns the section's size in records and the sites in record
    /// order.
    public static func parainstructions(_ file: ReadelfFile, code: Code) throws -> (records: Int, sites: [ExpectedSite]) {
        guard let section = file.section(named: ".parainstructions") else { return (0, []) }
        let bytes = try file.contents(section)
        var sites: [ExpectedSite] = []
        for r in file.relocations(patching: section.name).sorted(by: { $0.offset < $1.offset }) {
            let at = Int(file.sectionOffset(r))
            guard r.type == "R_X86_64_64", at % 16 == 0, at + 12 <= bytes.count else {
                throw FixtureError.commandFailed("\(file.path): \(r)", "not a 16-byte record's instr pointer")
            }
            let (target, offset) = try place(file, r, value: UInt64(bitPattern: Int64(bitPattern: r.symbolValue) &+ r.addend))
            let length = Int(bytes[at + 9])
            sites.append(ExpectedSite(section: target.name, offset: offset, length: length, opOffset: Int64(bytes[at + 8]) * 8,
                                      clobbers: UInt16(bytes[at + 10]) | UInt16(bytes[at + 11]) << 8,
                                      call: try callInside(file, target, offset, length, code: code)))
        }
        return (Int(section.size) / 16, sites)
    }

    /// Linux 6.8+ `.altinstructions`: packed `{s32 instr; s32 repl; u16
    /// cpuid; u16 flags; u8 instrlen; u8 repllen}` (14 bytes), a PC32 at 0
    /// and at 4 of each; a paravirt site has ALT_FLAG_DIRECT_CALL (bit 1 of
    /// flags). Returns the section's size in records, its relocation count,
    /// and the paravirt sites in record order.
    public static func altinstructions(_ file: ReadelfFile, code: Code) throws -> (records: Int, relocations: Int, sites: [ExpectedSite]) {
        guard let section = file.section(named: ".altinstructions") else { return (0, 0, []) }
        let bytes = try file.contents(section)
        let relocs = file.relocations(patching: section.name)
        var sites: [ExpectedSite] = []
        for r in relocs.sorted(by: { $0.offset < $1.offset }) where file.sectionOffset(r) % 14 == 0 {
            let at = Int(file.sectionOffset(r))
            guard r.type == "R_X86_64_PC32", at + 14 <= bytes.count else {
                throw FixtureError.commandFailed("\(file.path): \(r)", "not a 14-byte alt_instr's instr_offset")
            }
            let flags = UInt16(bytes[at + 10]) | UInt16(bytes[at + 11]) << 8
            guard flags & 0x2 != 0 else { continue }
            // S + A - P is stored at P: the site is at S + A.
            let (target, offset) = try place(file, r, value: UInt64(bitPattern: Int64(bitPattern: r.symbolValue) &+ r.addend))
            let length = Int(bytes[at + 12])
            let call = try callInside(file, target, offset, length, code: code)
            sites.append(ExpectedSite(section: target.name, offset: offset, length: length, opOffset: call?.field ?? -1,
                                      clobbers: nil, call: call))
        }
        return (Int(section.size) / 14, relocs.count, sites)
    }

    /// The section and offset a record points at: in an object the
    /// relocation names the section (its symbol); in a linked image the
    /// value is an address in an executable section.
    static func place(_ file: ReadelfFile, _ r: ReadelfFile.Relocation, value: UInt64) throws -> (ReadelfFile.Section, UInt64) {
        let section = file.isRelocatable
            ? file.section(named: r.symbol)
            : file.sections.first { $0.isExecutable && value >= $0.address && value < $0.address + $0.size }
        guard let section else { throw FixtureError.commandFailed("\(file.path): \(r)", "points at no section") }
        return (section, file.isRelocatable ? value : value - section.address)
    }

    /// The single relocation against the table within `length` bytes at
    /// `offset`, when it is a call or jump through it.
    static func callInside(_ file: ReadelfFile, _ section: ReadelfFile.Section, _ offset: UInt64, _ length: Int,
                           code: Code) throws -> ExpectedReference.Call? {
        let inside = (code.tableRelocations[section.index] ?? []).filter {
            file.sectionOffset($0) >= offset && file.sectionOffset($0) < offset + UInt64(length)
        }
        guard inside.count == 1 else { return nil }
        return call(inside[0], at: file.sectionOffset(inside[0]), in: try code.bytes(section))
    }
}
