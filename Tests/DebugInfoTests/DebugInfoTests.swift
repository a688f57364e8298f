import ELF
import Foundation
@testable import DebugInfo
import Synchronization
import TestSupport
import Testing

// The oracle for inline chains is elfutils' `eu-addr2line -i -f`, not
// binutils' `addr2line -i -f`: for an out-of-line header function under
// DWARF 5, binutils 2.40 names the .c file with the header's line number
// (`many()` at -Os below: `debuginfo-….c:57` where eu-addr2line says
// `pv_helpers.h:57:3`). eu-addr2line reads the same libdw data we do, but
// through its own per-address `dwarf_getscopes` walks, so comparing with
// it checks the scope index, the address mapping and the naming.

/// Kernel-like code: a paravirt ops table of groups, some members wrapped
/// in a one-member struct, and static inline wrappers in a real header
/// that gcc inlines two and three levels deep.
private enum DebugInfoFixture {
    static let header = """
    struct paravirt_callee_save { void *func; };
    struct pv_cpu_ops {
    	void (*io_delay)(void);
    	unsigned long (*read_cr0)(void);
    	void (*write_cr0)(unsigned long);
    };
    struct pv_irq_ops {
    	struct paravirt_callee_save save_fl;
    	struct paravirt_callee_save irq_disable;
    	struct paravirt_callee_save irq_enable;
    	void (*safe_halt)(void);
    };
    struct pv_lazy_ops { void (*enter)(void); void (*leave)(void); void (*flush)(void); };
    struct pv_mmu_ops {
    	void (*flush_tlb_user)(void);
    	unsigned long (*read_cr2)(void);
    	void (*write_cr3)(unsigned long);
    	struct pv_lazy_ops lazy_mode;
    };
    struct pv_lock_ops {
    	void (*queued_spin_unlock)(void *);
    	union { void (*wait)(unsigned char *, unsigned char); long pad; } wait;
    	unsigned int flags : 3;
    	unsigned int more : 5;
    	struct { void (*kick)(int); void (*vcpu_is_preempted)(long); };
    	void (*slots[2])(void);
    	char name[6];
    };
    struct paravirt_patch_template {
    	struct pv_cpu_ops cpu;
    	struct pv_irq_ops irq;
    	struct pv_mmu_ops mmu;
    	struct pv_lock_ops lock;
    };
    typedef struct paravirt_patch_template pv_template_t;
    extern const volatile pv_template_t pv_ops;

    static inline unsigned long pv_save_fl(void) { return ((unsigned long (*)(void))pv_ops.irq.save_fl.func)(); }
    static inline void pv_irq_disable(void) { ((void (*)(void))pv_ops.irq.irq_disable.func)(); }
    static inline void pv_irq_enable(void) { ((void (*)(void))pv_ops.irq.irq_enable.func)(); }
    static inline unsigned long arch_local_irq_save(void)
    {
    	unsigned long flags = pv_save_fl();
    	pv_irq_disable();
    	return flags;
    }
    static inline void arch_local_irq_restore(unsigned long flags)
    {
    	if (flags & 0x200)
    		pv_irq_enable();
    }
    static inline void write_cr3(unsigned long v) { pv_ops.mmu.write_cr3(v); }
    static inline void flush_tlb(void) { write_cr3(pv_ops.cpu.read_cr0()); pv_ops.mmu.flush_tlb_user(); }
    static inline void many(int n)
    {
    	for (int i = 0; i < n; i++) {
    		flush_tlb();
    		pv_ops.lock.slots[i & 1]();
    		pv_ops.lock.kick(i);
    	}
    }

    """

    /// `pv_relative.h` is named relatively (through `#line`), so its path
    /// must be joined to DW_AT_comp_dir as eu-addr2line does.
    static let body = """
    #include "pv_helpers.h"
    #include <stddef.h>
    extern void work(int);
    extern unsigned long counter;
    #line 1 "pv_relative.h"
    static inline void lazy_flush(void) { pv_ops.mmu.lazy_mode.enter(); flush_tlb(); pv_ops.mmu.lazy_mode.leave(); }
    #line 6 "pv_main.c"
    void critical(int n)
    {
    	unsigned long f = arch_local_irq_save();
    	work(n);
    	arch_local_irq_restore(f);
    }
    void nested(int n)
    {
    	for (int i = 0; i < n; i++) {
    		unsigned long f = arch_local_irq_save();
    		counter += f;
    		arch_local_irq_restore(f);
    	}
    	flush_tlb();
    }
    void lazy(int n) { if (n) lazy_flush(); else flush_tlb(); pv_ops.lock.kick(n); }
    void twice(int n) { many(n); many(n + 1); lazy_flush(); }
    void thrice(int n) { many(n); many(n * 3); many(n - 1); }

    """

    /// Definitions that let the object link on its own.
    static let stubs = """
    const volatile pv_template_t pv_ops;
    unsigned long counter;
    void work(int n) { counter += n; }
    void _start(void) { critical(1); nested(2); lazy(3); twice(4); thrice(5); }

    """

    /// The layout gcc must agree with: `_Static_assert`s built from this
    /// table are compiled into the fixture, so it cannot drift from C.
    struct Expected {
        let name: String
        /// The C member designator, for offsetof (a collapsed wrapper names
        /// its inner member).
        let c: String
        let offset: UInt64
        let size: UInt64
        let isFunctionPointer: Bool
        let wrapperType: String?
    }

    static let layout: [Expected] = [
        .init(name: "cpu.io_delay", c: "cpu.io_delay", offset: 0, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "cpu.read_cr0", c: "cpu.read_cr0", offset: 8, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "cpu.write_cr0", c: "cpu.write_cr0", offset: 16, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "irq.save_fl", c: "irq.save_fl.func", offset: 24, size: 8, isFunctionPointer: false,
              wrapperType: "struct paravirt_callee_save"),
        .init(name: "irq.irq_disable", c: "irq.irq_disable.func", offset: 32, size: 8, isFunctionPointer: false,
              wrapperType: "struct paravirt_callee_save"),
        .init(name: "irq.irq_enable", c: "irq.irq_enable.func", offset: 40, size: 8, isFunctionPointer: false,
              wrapperType: "struct paravirt_callee_save"),
        .init(name: "irq.safe_halt", c: "irq.safe_halt", offset: 48, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "mmu.flush_tlb_user", c: "mmu.flush_tlb_user", offset: 56, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "mmu.read_cr2", c: "mmu.read_cr2", offset: 64, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "mmu.write_cr3", c: "mmu.write_cr3", offset: 72, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "mmu.lazy_mode.enter", c: "mmu.lazy_mode.enter", offset: 80, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "mmu.lazy_mode.leave", c: "mmu.lazy_mode.leave", offset: 88, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "mmu.lazy_mode.flush", c: "mmu.lazy_mode.flush", offset: 96, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "lock.queued_spin_unlock", c: "lock.queued_spin_unlock", offset: 104, size: 8,
              isFunctionPointer: true, wrapperType: nil),
        // A union stands for its first member; the bitfields are skipped.
        .init(name: "lock.wait", c: "lock.wait.wait", offset: 112, size: 8, isFunctionPointer: true,
              wrapperType: "union <anonymous>"),
        // Members of an anonymous struct join their parent.
        .init(name: "lock.kick", c: "lock.kick", offset: 128, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "lock.vcpu_is_preempted", c: "lock.vcpu_is_preempted", offset: 136, size: 8,
              isFunctionPointer: true, wrapperType: nil),
        .init(name: "lock.slots[0]", c: "lock.slots[0]", offset: 144, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "lock.slots[1]", c: "lock.slots[1]", offset: 152, size: 8, isFunctionPointer: true, wrapperType: nil),
        .init(name: "lock.name", c: "lock.name", offset: 160, size: 6, isFunctionPointer: false, wrapperType: nil),
    ]

    static var staticAsserts: String {
        let t = "struct paravirt_patch_template"
        return layout.map {
            "_Static_assert(offsetof(\(t), \($0.c)) == \($0.offset), \"\($0.name)\");\n"
                + "_Static_assert(sizeof(((\(t) *)0)->\($0.c)) == \($0.size), \"\($0.name) size\");\n"
        }.joined()
    }

    /// The header's directory in the fixture cache, named by its content.
    static func headerDirectory() throws -> String {
        let dir = Fixtures.cacheDirectory + "/debuginfo-include-" + Fixtures.hash([header])
        let path = dir + "/pv_helpers.h"
        if !FileManager.default.fileExists(atPath: path) {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let temp = path + ".tmp-" + UUID().uuidString
            try header.write(toFile: temp, atomically: false, encoding: .utf8)
            guard rename(temp, path) == 0 else { throw FixtureError.commandFailed("rename \(temp)", "") }
        }
        return dir
    }

    static func object(_ flags: [String]) throws -> String {
        try Fixtures.compile(body + staticAsserts, name: "debuginfo", flags: flags + ["-I", headerDirectory()])
    }

    static func linked(_ flags: [String], link: [String]) throws -> String {
        try Fixtures.compile(body + stubs + staticAsserts, name: "debuginfo-linked",
                             flags: flags + ["-I", headerDirectory()], link: link)
    }
}

/// A place to look up: a section and an offset in it.
private struct Place: CustomStringConvertible {
    let section: Section
    let offset: UInt64
    var description: String { "\(section.name)+\(hex(offset))" }
}

private enum Oracle {
    /// Every instruction start in the file's code, from `objdump -d`.
    static func instructionPlaces(_ file: ObjectFile) throws -> [Place] {
        let out = try Command.check(["objdump", "-d", "-w", file.path])
        var section: Section?
        var places: [Place] = []
        for line in out.split(separator: "\n") {
            if line.hasPrefix("Disassembly of section ") {
                let name = line.dropFirst("Disassembly of section ".count).dropLast()
                section = file.findSection(named: String(name))
                continue
            }
            guard let section, line.hasPrefix(" "), let colon = line.firstIndex(of: ":"),
                  let addr = UInt64(line[..<colon].trimmingCharacters(in: .whitespaces), radix: 16) else { continue }
            places.append(Place(section: section, offset: file.isRelocatable ? addr : addr - section.address))
        }
        return places
    }

    /// `eu-addr2line -a -i -f` for `places`, one chain per place.
    /// Relocatable objects are addressed per section with `-j`, linked
    /// images by address.
    static func chains(_ file: ObjectFile, _ places: [Place]) throws -> [[SourceFrame]] {
        var result: [[SourceFrame]] = []
        var bySection: [(Section, [Place])] = []
        for p in places {
            if let last = bySection.last, last.0 == p.section { bySection[bySection.count - 1].1.append(p) }
            else { bySection.append((p.section, [p])) }
        }
        for (section, group) in bySection {
            if file.isRelocatable {
                result += try chains(file.path, ["-j", section.name], group.map(\.offset))
            } else {
                result += try chains(file.path, [], group.map { section.address + $0.offset })
            }
        }
        return result
    }

    /// `eu-addr2line -a -i -f -e path options addresses...`. It exits 1
    /// when some address has no line; the output is still complete.
    static func chains(_ path: String, _ options: [String], _ addresses: [UInt64]) throws -> [[SourceFrame]] {
        let argv = ["eu-addr2line", "-a", "-i", "-f", "-e", path] + options + addresses.map { hex($0) }
        let r = try Command.run(argv)
        let parsed = parse(r.stdout)
        guard r.status <= 1, r.stderr.isEmpty, parsed.count == addresses.count else {
            throw FixtureError.commandFailed(argv.joined(separator: " "),
                                             "status \(r.status), \(parsed.count) answers for \(addresses.count) addresses: \(r.stderr)")
        }
        // "??" at "??:0" is eu-addr2line's way of saying nothing, as [] is ours.
        return parsed.map { $0.frames == [SourceFrame(function: "??", file: "??", line: 0, column: 0)] ? [] : $0.frames }
    }

    /// Output blocks start with the address (`0x` and 16 digits); then the
    /// innermost function (`name inlined at ... in outer`), its line-table
    /// position, and a (caller, call site) pair per inlined level.
    static func parse(_ out: String) -> [(address: UInt64, frames: [SourceFrame])] {
        var blocks: [(UInt64, [String])] = []
        for line in out.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.count == 18, line.hasPrefix("0x"), let a = UInt64(line.dropFirst(2), radix: 16) {
                blocks.append((a, []))
            } else if !line.isEmpty, !blocks.isEmpty {
                blocks[blocks.count - 1].1.append(String(line))
            }
        }
        return blocks.map { address, lines in
            var frames: [SourceFrame] = []
            var i = 0
            while i + 1 < lines.count {
                var function = lines[i]
                if let r = function.range(of: " inlined at ") { function = String(function[..<r.lowerBound]) }
                let (file, line, column) = position(lines[i + 1])
                frames.append(SourceFrame(function: function, file: file, line: line, column: column))
                i += 2
            }
            return (address, frames)
        }
    }

    /// `file:line:column`, `file:line` or `??:0`.
    static func position(_ text: String) -> (String, Int, Int) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count >= 3, let l = Int(parts[parts.count - 2]), let c = Int(parts[parts.count - 1]) {
            return (parts.dropLast(2).joined(separator: ":"), l, c)
        }
        if parts.count >= 2, let l = Int(parts[parts.count - 1]) {
            return (parts.dropLast().joined(separator: ":"), l, 0)
        }
        return (text, 0, 0)
    }
}

// Serialized: the fixture cache's temporary names are per process, so two
// tests must not compile the same fixture at once.
@Suite("DebugInfo: inline chains equal eu-addr2line -i -f; struct layouts equal gcc", .serialized)
struct DebugInfoTests {
    static let objectFlags: [[String]] = [
        ["-O2", "-g"],
        ["-Os", "-g"],
        ["-O2", "-g", "-ffunction-sections"],
        ["-O3", "-gdwarf-4"],
        ["-O2", "-g", "-mcmodel=kernel", "-fno-pic", "-mno-red-zone", "-ffreestanding"],
    ]

    /// Chains at every instruction of `file`, compared with eu-addr2line;
    /// returns ours for further checks.
    ///
    /// eu-addr2line looks up the callers (frames 1...) at the start of the
    /// line-table row rather than at the address (see `CallerLookup`). With
    /// that emulated, chains must be equal everywhere. Our default answer
    /// may differ from it only after frame 0, and only where the row starts
    /// before the address in other scopes: in this fixture, the padding
    /// between functions.
    private func compareWithOracle(_ file: ObjectFile) throws -> [[SourceFrame]] {
        let info = try #require(try file.openDebugInfo())
        let places = try Oracle.instructionPlaces(file)
        #expect(places.count > 50)
        let expected = try Oracle.chains(file, places)
        let query = places.map { ($0.section.index, $0.offset) }
        let emulated = info.inlineChains(query, callers: .atLineRowStart)
        let ours = info.inlineChains(query)
        var mismatches = 0
        for (k, place) in places.enumerated() {
            if emulated[k] != expected[k] {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record("\(file.path) \(place): ours \(emulated[k]) eu-addr2line \(expected[k])")
                }
            }
            if ours[k] != emulated[k] {
                #expect(ours[k].first == emulated[k].first, "\(place)")
                #expect(file.findFunction(section: place.section.index, offset: place.offset) == nil,
                        "\(place) is inside a function: ours \(ours[k]) eu-addr2line \(expected[k])")
            }
        }
        #expect(mismatches == 0, "\(mismatches) of \(places.count) places differ")
        return ours
    }

    /// What the fixture must exercise, or the comparison proves little.
    private func expectDeepInlining(_ chains: [[SourceFrame]]) {
        // A call three levels deep: header, header, then the .c function.
        #expect(chains.contains {
            $0.count >= 3 && $0[0].file.hasSuffix("/pv_helpers.h") && $0.last!.file.hasSuffix("/pv_main.c")
        })
        // A file named relatively in DWARF is joined to DW_AT_comp_dir.
        #expect(chains.contains { $0.contains { $0.file.hasSuffix("/pv_relative.h") && $0.file.hasPrefix("/") } })
        #expect(chains.contains { $0.contains { $0.column > 0 } })
    }

    @Test(arguments: objectFlags)
    func relocatableObject(flags: [String]) throws {
        let file = try ObjectFile(path: try DebugInfoFixture.object(flags))
        #expect(file.fileType == .relocatable)
        let chains = try compareWithOracle(file)
        expectDeepInlining(chains)
    }

    @Test(arguments: [
        (["-O2", "-g", "-fno-pic"], ["-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs"]),
        (["-Os", "-g", "-fno-pic"], ["-nostdlib", "-static", "-no-pie", "-Wl,--emit-relocs"]),
        (["-O2", "-g", "-fPIC"], ["-nostdlib", "-shared", "-Wl,--emit-relocs"]),
    ])
    func linkedImage(flags: [String], link: [String]) throws {
        let file = try ObjectFile(path: try DebugInfoFixture.linked(flags, link: link))
        #expect(file.fileType != .relocatable)
        let chains = try compareWithOracle(file)
        expectDeepInlining(chains)
    }

    /// A `.ko.xz` is decompressed in memory and handed to libdwfl from
    /// memory; its chains must equal the plain file's.
    @Test(arguments: [["-O2", "-g"], ["-Os", "-g", "-ffunction-sections"]])
    func decompressedInMemory(flags: [String]) throws {
        let plainPath = try DebugInfoFixture.object(flags)
        let packed = Fixtures.scratchPath("debuginfo-\(flags.count).ko.xz")
        defer { unlink(packed) }
        try Command.check(["sh", "-c", "xz -c < '\(plainPath)' > '\(packed)'"])
        let plain = try ObjectFile(path: plainPath)
        let xz = try ObjectFile(path: packed)
        #expect(xz.compression != nil)
        let fromBytes = try ObjectFile(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: plainPath))), name: "bytes.ko")

        let places = try Oracle.instructionPlaces(plain).map { ($0.section.index, $0.offset) }
        let expected = try #require(try plain.openDebugInfo()).inlineChains(places)
        #expect(expected.contains { $0.count >= 3 })
        #expect(try #require(try xz.openDebugInfo()).inlineChains(places) == expected)
        #expect(try #require(try fromBytes.openDebugInfo()).inlineChains(places) == expected)
    }

    @Test func batchedEqualsSingle() throws {
        let file = try ObjectFile(path: try DebugInfoFixture.object(["-O2", "-g"]))
        let info = try #require(try file.openDebugInfo())
        let places = try Oracle.instructionPlaces(file).map { ($0.section.index, $0.offset) }
        let batched = info.inlineChains(places)
        for (k, p) in places.enumerated() {
            #expect(info.inlineChain(section: p.0, offset: p.1) == batched[k])
        }
    }

    /// At -Os gcc keeps `many()` out of line: its own code is in the
    /// header. binutils 2.40 `addr2line` names the .c file here (with the
    /// header's line number); the chain must name the header.
    @Test func outOfLineHeaderFunction() throws {
        let file = try ObjectFile(path: try DebugInfoFixture.object(["-Os", "-g"]))
        let info = try #require(try file.openDebugInfo())
        let many = try #require(file.findSymbols(named: "many").first)
        let section = try #require(many.definingSection)
        let offset = try #require(file.sectionOffset(of: many))
        let chain = info.inlineChain(section: section, offset: offset + 4)
        #expect(chain.first?.function == "many")
        #expect(chain.first?.file.hasSuffix("/pv_helpers.h") == true)
        #expect(chain.last?.function == "many")
    }

    /// One DebugInfo shared by many threads gives the same answers.
    @Test func concurrentQueries() throws {
        let file = try ObjectFile(path: try DebugInfoFixture.object(["-O2", "-g"]))
        let info = try #require(try file.openDebugInfo())
        let places = try Oracle.instructionPlaces(file).map { ($0.section.index, $0.offset) }
        let expected = info.inlineChains(places)
        let results = Mutex<[[[SourceFrame]]]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { k in
            let chains = k % 2 == 0 ? info.inlineChains(places) : places.map { info.inlineChain(section: $0.0, offset: $0.1) }
            _ = info.structMembers(named: "paravirt_patch_template")
            results.withLock { $0.append(chains) }
        }
        #expect(results.withLock { $0.count } == 8)
        #expect(results.withLock { $0.allSatisfy { $0 == expected } })
    }

    @Test func placesWithoutCode() throws {
        let file = try ObjectFile(path: try DebugInfoFixture.object(["-O2", "-g"]))
        let info = try #require(try file.openDebugInfo())
        let text = try #require(file.findSection(named: ".text"))
        let debug = try #require(file.findSection(named: ".debug_info"))
        #expect(info.inlineChain(section: text.index, offset: text.size).isEmpty)
        #expect(info.inlineChain(section: debug.index, offset: 0).isEmpty)
        #expect(info.inlineChain(section: 0, offset: 0).isEmpty)
        #expect(info.inlineChain(section: 10_000, offset: 0).isEmpty)
        #expect(info.inlineChain(section: -1, offset: 0).isEmpty)
    }

    @Test func noDebugInfo() throws {
        let file = try ObjectFile(path: try Fixtures.compile(Snippets.opsTable, name: "ops-nodebug", flags: ["-O2"]))
        #expect(try file.openDebugInfo() == nil)
    }

    @Test(arguments: [["-O2", "-g"], ["-O0", "-gdwarf-4"], ["-O2", "-gdwarf-2"]])
    func structLayout(flags: [String]) throws {
        let file = try ObjectFile(path: try DebugInfoFixture.object(flags))
        let info = try #require(try file.openDebugInfo())
        let expected = DebugInfoFixture.layout.map {
            StructMember(name: $0.name, offset: $0.offset, size: $0.size, isFunctionPointer: $0.isFunctionPointer,
                         wrapperType: $0.wrapperType)
        }
        #expect(info.structMembers(named: "paravirt_patch_template") == expected)
        #expect(info.variableMembers(named: "pv_ops") == expected)
        #expect(info.structMembers(named: "pv_lazy_ops")?.map(\.name) == ["enter", "leave", "flush"])
        #expect(info.structMembers(named: "no_such_struct") == nil)
        #expect(info.variableMembers(named: "no_such_variable") == nil)
        // A variable of a non-struct type has no members.
        #expect(info.variableMembers(named: "counter") == nil)
    }

    /// Opt-in: `PVSITES_DEBUGINFO_ORACLE=path swift test --filter externalFile`
    /// compares a real file (a kernel module, vmlinux, a library) with
    /// eu-addr2line at up to 20,000 of its instructions. Checked this way
    /// on CPython 3.12's ceval.o, typeobject.o and unicodeobject.o (gcc 12
    /// -O3, 108,064 places, all equal) and libpython3.12.so (645,520
    /// places, 20,000 sampled: equal but for 3 places without DWARF, where
    /// eu-addr2line prints the symbol with `??:0`).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PVSITES_DEBUGINFO_ORACLE"] != nil,
                   "opt-in: set PVSITES_DEBUGINFO_ORACLE=FILE to compare a file of your own"))
    func externalFile() throws {
        let path = try #require(ProcessInfo.processInfo.environment["PVSITES_DEBUGINFO_ORACLE"])
        let file = try ObjectFile(path: path)
        let info = try #require(try file.openDebugInfo())
        let all = try Oracle.instructionPlaces(file)
        let step = max(1, all.count / 20_000)
        let places = stride(from: 0, to: all.count, by: step).map { all[$0] }
        let ours = info.inlineChains(places.map { ($0.section.index, $0.offset) }, callers: .atLineRowStart)
        let expected = try Oracle.chains(file, places)
        var mismatches = 0
        for (k, place) in places.enumerated() where ours[k] != expected[k] {
            // No DWARF at all: eu-addr2line falls back to the symbol table.
            if ours[k].isEmpty, expected[k].count == 1, expected[k][0].file == "??" { continue }
            mismatches += 1
            if mismatches <= 5 { Issue.record("\(place): ours \(ours[k]) eu-addr2line \(expected[k])") }
        }
        #expect(mismatches == 0, "\(mismatches) of \(places.count) places differ")
    }

    /// Garbage in the DWARF sections: an ObjectFileError or empty answers,
    /// never a trap.
    @Test(arguments: [".debug_info", ".debug_abbrev", ".debug_line", ".debug_str", ".debug_aranges", ".debug_rnglists"])
    func corruptDWARF(section: String) throws {
        let path = try DebugInfoFixture.object(["-O2", "-g"])
        var elf = try ELFBytes(path: path)
        let index = try #require((0 ..< elf.sectionCount).first { elf.sectionName($0) == section })
        let start = elf.sectionFileOffset(index), size = elf.sectionSize(index)
        var seed: UInt64 = 0x9e37_79b9_7f4a_7c15
        for k in stride(from: 0, to: size, by: 3) {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            elf.bytes[start + k] = UInt8(truncatingIfNeeded: seed >> 33)
        }
        let file = try ObjectFile(bytes: elf.bytes, name: "corrupt\(section).o")
        do {
            // Only bytes changed, not the section names: .debug_info is
            // still there, so the DWARF opens or fails with a typed error.
            let info = try #require(try file.openDebugInfo(), "nil means no .debug_info section")
            let text = try #require(file.findSection(named: ".text"))
            let places = (0 ..< min(text.size, 400)).map { (section: text.index, offset: $0) }
            // One chain per place asked about, whatever the DWARF says.
            #expect(info.inlineChains(places).count == places.count)
            _ = info.structMembers(named: "paravirt_patch_template")
            _ = info.variableMembers(named: "pv_ops")
        } catch let error as ObjectFileError {
            #expect(error.path == "corrupt\(section).o")
            #expect(!error.description.contains("\n"))
        }
    }
}
