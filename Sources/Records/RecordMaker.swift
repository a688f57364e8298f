// Strategy: records from a scan, made only where Linux's patcher is safe.
//
// Linux 6.1's `apply_paravirt` writes, at each `.parainstructions` record,
// a 5-byte `call` to the op and nops over the rest of `len`
// (LinuxPatch.swift). So a record is safe where the `len` bytes at `instr`
// are whole instructions holding the call the op replaces, at least five
// of them, and no jump lands strictly inside them. RecordMaker takes the
// sites of one policy (or an annotated file's own records) and, site by
// site, in this order: refuses a call shared by several ops, a site shorter
// than the call, a tail jump (a `call` would return into the nops and run
// on); then, where the policy decoded the site (decoded, dataflow, the
// annotated records; naive only when asked: the 2007 proposal decodes
// nothing, and its mistakes are the simulator's to catch), one that does
// not start and end at instruction boundaries or is not a call; then one
// with a branch target inside (BranchTargets.swift says how targets are
// found); then one that overlaps an earlier record. Each refusal is
// counted by reason. For 6.8's patcher (Patcher.swift) a site must also be
// `call *disp32(%rip)` of exactly 6 bytes. RecordEncoding.swift writes what is left in the
// layout MacroSites already describes; PatchSimulator.swift checks it.
import ELF
import RelocSites
import SiteModel
import X86

/// What records to make and how strictly.
public struct RecordOptions: Sendable {
    /// Check the site's own instructions (start, end, that it is a call).
    /// Off for naive taken literally.
    public var decodeSites: Bool
    /// The patcher the records are for: 6.8's takes only `call
    /// *disp32(%rip)` of 6 bytes, checked with the sites' other checks
    /// (naive taken literally writes records the kernel's own check will
    /// stop at, `BUG()` at boot, which is what its boot shows).
    public var patcher: Patcher

    public init(decodeSites: Bool = true, patcher: Patcher = .paravirt) {
        self.decodeSites = decodeSites
        self.patcher = patcher
    }
}

/// The records made from one file's sites, and the sites refused.
public struct RecordSet: Sendable {
    public let records: [PatchRecord]
    public let refusals: [Refusal]

    /// Refused sites by reason (`refused` in the JSON).
    public var refusedCounts: [RefusalReason: Int] {
        refusals.reduce(into: [:]) { $0[$1.reason, default: 0] += 1 }
    }
}

/// Turns sites into records, refusing the unsafe ones. Not thread-safe
/// (it owns a CodeReader and the branch targets).
public final class RecordMaker {
    public let file: ObjectFile
    private let code: CodeReader
    private let targets: BranchTargets

    public init(file: ObjectFile) {
        self.file = file
        self.code = CodeReader(file: file)
        self.targets = BranchTargets(file: file)
    }

    /// Records for `sites` (in their order). `references` are the scan's,
    /// to judge a site by the instruction that holds its relocation; empty
    /// for annotated sites, which are judged by decoding their bytes.
    public func make(sites: [Site], references: [Reference], annotated: Bool,
                     options: RecordOptions = RecordOptions()) throws -> RecordSet {
        let refsByPlace = Dictionary(references.map { ($0.place, $0) }, uniquingKeysWith: { a, _ in a })
        var accepted: [(index: Int, record: PatchRecord)] = []
        var refusals: [Refusal] = []
        for (i, site) in sites.enumerated() {
            if let (reason, detail) = try refusal(site, refsByPlace: refsByPlace, annotated: annotated, options: options) {
                refusals.append(Refusal(section: site.section, offset: site.offset, location: site.location,
                                        address: site.address, reason: reason, detail: detail))
            } else {
                accepted.append((i, PatchRecord(site: site, type: UInt8(site.op.type), length: UInt8(site.length))))
            }
        }
        // Overlaps: in address order, a record that starts before the
        // previous one ends is refused.
        var overlapping = Set<Int>()
        let order = accepted.indices.sorted {
            (accepted[$0].record.sectionIndex, accepted[$0].record.offset, $0)
                < (accepted[$1].record.sectionIndex, accepted[$1].record.offset, $1)
        }
        var last: PatchRecord?
        for k in order {
            let r = accepted[k].record
            if let p = last, p.sectionIndex == r.sectionIndex, r.offset < p.end {
                overlapping.insert(k)
                refusals.append(Refusal(section: r.section, offset: r.offset, location: r.location, address: r.address,
                                        reason: .overlapsAnother,
                                        detail: "starts inside the record at \(p.location) (\(p.length) bytes)"))
                continue
            }
            last = r
        }
        let records = accepted.indices.filter { !overlapping.contains($0) }.map { accepted[$0].record }
        return RecordSet(records: records, refusals: refusals)
    }

    private func refusal(_ site: Site, refsByPlace: [Place: Reference], annotated: Bool,
                         options: RecordOptions) throws -> (RefusalReason, String)? {
        if site.isMerged {
            return (.sharedByOps, "reached by loads of " + site.mergedOps.map(\.description).joined(separator: ", "))
        }
        if site.length < LinuxPatch.callSize {
            return (.tooShort, "\(site.length) bytes (\(site.kind.rawValue)), the call needs \(LinuxPatch.callSize)")
        }
        if site.length > LinuxPatch.maxPatchLength {
            return (.tooLong, "\(site.length) bytes, MAX_PATCH_LEN is \(LinuxPatch.maxPatchLength)")
        }
        guard site.op.offset >= 0, site.op.type <= 255 else {
            return (.typeOutOfRange, "field offset \(site.op.offset)")
        }
        if site.kind.isTailCall { return (.tailCall, site.evidence) }
        guard let section = file.findSection(index: site.sectionIndex), section.isExecutable else {
            return (.notACall, "not in an executable section")
        }
        if options.decodeSites {
            let problem = annotated ? placementOfRecord(site, section: section)
                : placementOfScanned(site, section: section, refsByPlace: refsByPlace)
            if let problem { return problem }
            if options.patcher == .directCall, let problem = ripCall(site, section: section) { return problem }
        }
        if let inside = try targets.firstInside(section: section, offset: site.offset, length: site.length) {
            return (.jumpTargetInside, "\(file.describe(section: section.index, offset: inside.offset)) is a target (\(inside.from))")
        }
        return nil
    }

    /// A scanned site, judged as the comparison judges a guess: it must
    /// start at the instruction that holds its relocation, which must be a
    /// call (or jmp) of the site's length. A site found through a register
    /// (a thunk call) is its own decoded instruction.
    private func placementOfScanned(_ site: Site, section: Section,
                                    refsByPlace: [Place: Reference]) -> (RefusalReason, String)? {
        let throughTable = [.call, .jmp, .callDirect, .jmpDirect].contains(site.kind)
        if throughTable, let origin = site.origin, let r = refsByPlace[origin] {
            if r.use == .undecodable {
                return r.guessStartsInstruction == true ? (.notACall, "the relocation is in bytes that do not decode")
                    : (.midInstruction, "the relocation is in bytes that do not decode")
            }
            if site.offset != r.offset {
                return (.midInstruction, "inside `\(r.instruction)` at \(r.location)")
            }
            if r.use == .jmpMem || r.use == .jmpDirect { return (.tailCall, r.instruction) }
            if !(r.use == .callMem || r.use == .callDirect) || r.length != site.length {
                return (.notACall, "`\(r.instruction)` (\(r.length) bytes)")
            }
            return nil
        }
        guard let insn = code.decode(section: section, offset: site.offset, registerAccess: false) else {
            return (.midInstruction, "bytes do not decode")
        }
        if insn.operation == .jump { return (.tailCall, insn.text) }
        if insn.operation != .call || insn.length != site.length {
            return (.notACall, "`\(insn.text)` (\(insn.length) bytes)")
        }
        return nil
    }

    /// For 6.8's `alt_replace_call`: exactly `ff 15 disp32`, 6 bytes (a
    /// thunk call, `call *%rax` or a longer call stops the boot at its
    /// `BUG()`).
    private func ripCall(_ site: Site, section: Section) -> (RefusalReason, String)? {
        let bytes = file.bytes(of: section, offset: site.offset, count: Patcher.ripCallBytes.count)
        if site.length == Patcher.ripCallLength && bytes == Patcher.ripCallBytes { return nil }
        let shown = code.decode(section: section, offset: site.offset, registerAccess: false).map { "`\($0.text)`" }
            ?? bytes.map { String($0, radix: 16) }.joined(separator: " ")
        return (.notRipRelativeCall, "\(shown) (\(site.length) bytes); alt_replace_call takes only ff 15 disp32, 6 bytes")
    }

    /// An annotated record: its bytes must decode to whole instructions
    /// ending exactly at `len` (hand-written asm may save registers around
    /// the call), one of which is a call.
    private func placementOfRecord(_ site: Site, section: Section) -> (RefusalReason, String)? {
        var at = site.offset
        var sawCall = false
        let end = site.offset + UInt64(site.length)
        while at < end {
            guard let insn = code.decode(section: section, offset: at, registerAccess: false) else {
                return (.midInstruction, "bytes at +\(hex(at - site.offset)) do not decode")
            }
            if insn.operation == .call { sawCall = true }
            at += UInt64(insn.length)
        }
        if at != end { return (.midInstruction, "instructions end at +\(hex(at - site.offset)), not at \(site.length)") }
        return sawCall ? nil : (.notACall, "no call in the \(site.length) bytes")
    }
}
