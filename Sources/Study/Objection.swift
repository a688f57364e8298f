import Compare
import RelocSites
import Pipeline

/// The five objections of the 2007 thread, each answered by numbers.
public struct Objection: Codable, Sendable {
    public let number: Int
    public let claim: String
    /// One or two sentences with the numbers.
    public let answer: String
    /// The same in a line or two, for the bottom line of the text report;
    /// its counts are summed over configurations, and it says so
    /// (`site-configurations`, naive's `guesses`).
    public let headline: String
    public let figures: [Figure: Int]

    init(number: Int, claim: String, answer: String, figures: [Figure: Int], headline: String) {
        self.number = number
        self.claim = claim
        self.answer = answer
        self.headline = headline
        self.figures = figures
    }

    enum CodingKeys: String, CodingKey { case number, claim, answer, headline, figures }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        number = try c.decode(Int.self, forKey: .number)
        claim = try c.decode(String.self, forKey: .claim)
        answer = try c.decode(String.self, forKey: .answer)
        // Studies written before headlines: the claim.
        headline = try c.decodeIfPresent(String.self, forKey: .headline) ?? claim
        figures = try c.decode([Figure: Int].self, forKey: .figures)
    }

    /// `12.3%`; `-` of nothing.
    static func percent(_ n: Int, of total: Int) -> String {
        total > 0 ? String(format: "%.1f%%", 100 * Double(n) / Double(total)) : "-"
    }

    /// The objections over `configs` (a study's, or one compiler's).
    public static func measure(_ configs: [ConfigResult]) -> [Objection] {
        let objects = configs.filter { $0.link == .object }
        let linked = configs.filter { $0.link == .linked }
        func sum(_ list: [ConfigResult], _ f: (ConfigResult) -> Int) -> Int { list.reduce(0) { $0 + f($1) } }
        func policy(_ list: [ConfigResult], _ p: Policy) -> Counts {
            list.reduce(Counts()) { $0 + ($1.policies[p] ?? Counts()) }
        }

        // 1. Disassembly.
        let refs = sum(objects) { $0.references.total }
        let calls = sum(objects) { ($0.references.byUse[.callMem] ?? 0) + ($0.references.byUse[.jmpMem] ?? 0) }
        let undecodable = sum(objects) { $0.references.byUse[.undecodable] ?? 0 }
        let confirmed = sum(objects) { $0.references.confirmedBySweep }
        // The literal 2007 proposal guesses an `ff 15` two bytes before
        // every relocation: how many of its guesses would corrupt code.
        let guessed = policy(objects, .naive)
        let o1 = Objection(number: 1, claim: "finding calls needs a bit of disassembly",
                           answer: "objects: \(refs) references decoded; \(calls) are calls or jumps through memory, "
                               + "\(undecodable) could not be decoded; \(confirmed) agree with a linear sweep. "
                               + "Without decoding, the literal proposal would have patched \(guessed.misplacedMidInstruction) "
                               + "sites in the middle of an instruction and \(guessed.misplacedNonCall) non-call instructions.",
                           figures: [.references: refs, .calls: calls, .undecodable: undecodable,
                                     .confirmedBySweep: confirmed,
                                     .naiveMidInstruction: guessed.misplacedMidInstruction,
                                     .naiveNonCall: guessed.misplacedNonCall,
                                     .naiveMisplaced: guessed.misplaced],
                           headline: "disassembly: naive makes \(guessed.misplacedMidInstruction) mid-instruction, "
                               + "\(guessed.misplacedNonCall) non-call guesses")

        // 2. Patch size. The honest answer: of the sites found, how many a
        // record can be made for that Linux 6.1's patcher rewrites in place
        // (whole call, 5 bytes or more, no branch inside, one op).
        let d = policy(objects, .dataflow), n = policy(objects, .naive), dc = policy(objects, .decoded)
        func pat(_ c: Counts) -> String { c.patchable.map(String.init) ?? "-" }
        var sizeFigures: [Figure: Int] = [.annotated: d.annotated, .sizeMismatched(.dataflow): d.sizeMismatched,
                                          .sizeMismatched(.naive): n.sizeMismatched,
                                          .found(.dataflow): d.found, .found(.decoded): dc.found, .found(.naive): n.found]
        for (p, c) in [(Policy.dataflow, d), (.decoded, dc), (.naive, n)] {
            if let patchable = c.patchable { sizeFigures[.patchable(p)] = patchable }
        }
        let o2 = Objection(number: 2, claim: "no explicit patch size; assume sizeof(indirect call)",
                           answer: "objects, dataflow: of \(d.found) annotated sites found, \(pat(d)) are patchable in "
                               + "place (a whole call of 5 bytes or more, no branch into it, one op: a record Linux "
                               + "6.1's patcher accepts); \(d.sizeMismatched) of \(d.annotated) differ in length from "
                               + "the annotation. Decoded: \(pat(dc)) of \(dc.found) found. Naive (6 bytes "
                               + "everywhere): \(n.sizeMismatched) size-mismatched, \(pat(n)) of \(n.found) found "
                               + "guesses patchable.",
                           figures: sizeFigures,
                           headline: "patch size: dataflow finds \(d.found) site-configurations, \(pat(d)) patchable in place "
                               + "(\(d.patchable.map { percent($0, of: d.found) } ?? "-"))")

        // 3. Register environment.
        let narrowC = sum(objects) { $0.clobbers.narrowC }, narrowAsm = sum(objects) { $0.clobbers.narrowAsm }
        let annC = sum(objects) { $0.clobbers.annotatedC }, annAsm = sum(objects) { $0.clobbers.annotatedAsm }
        let o3 = Objection(number: 3, claim: "no register environment; must assume the C ABI",
                           answer: "objects: \(narrowC) of \(annC) C sites and \(narrowAsm) of \(annAsm) asm sites declare "
                               + "fewer clobbers than the C ABI; \(d.clobberUnsafe) asm sites found are unsafe to patch as C calls.",
                           figures: [.narrowC: narrowC, .annotatedC: annC, .narrowAsm: narrowAsm,
                                     .annotatedAsm: annAsm, .clobberUnsafe: d.clobberUnsafe],
                           headline: "registers: \(narrowC)/\(annC) C, \(narrowAsm)/\(annAsm) asm site-configurations clobber less than C")

        // 4. gcc hides sites.
        let dec = policy(objects, .decoded)
        var figures4: [Figure: Int] = [.missed(.decoded): dec.realMissed, .missed(.dataflow): d.realMissed,
                                       .annotated: dec.annotated, .copiesDiffer: d.missedCopiesDiffer]
        for (k, v) in dec.causes { figures4[.decoded(k)] = v }
        let top = dec.causes.filter { $0.key.isScanMiss }
            .sorted { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }.prefix(3)
            .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        let o4 = Objection(number: 4, claim: "gcc may CSE or hoist the load; sites become unidentifiable",
                           answer: "objects: decoded misses \(dec.realMissed) of \(dec.annotated) (\(top.isEmpty ? "none" : top)); "
                               + "dataflow still misses \(d.realMissed) (not counting \(d.missedCopiesDiffer) sites the "
                               + "two builds copied a different number of times).",
                           figures: figures4,
                           headline: "CSE/hoist: of \(dec.annotated) site-configurations, decoded misses \(dec.realMissed), dataflow \(d.realMissed)"
)

        // 5. Relocs kept through the link.
        let lo = policy(linked, .decoded), oo = policy(objects.filter { o in linked.contains { $0.configuration == o.configuration } }, .decoded)
        let relaxed = sum(linked) { $0.references.relaxed }
        let o5 = Objection(number: 5, claim: "binutils hackery to keep the relocs",
                           answer: "with --emit-relocs the linked images give \(lo.found) "
                               + "found sites against \(oo.found) in the objects (decoded); "
                               + "the linker relaxed \(relaxed) GOT loads to lea (and --emit-relocs rewrote their relocations to PC32).",
                           figures: [.foundLinked: lo.found, .foundObjects: oo.found, .relaxed: relaxed,
                                     .annotatedLinked: lo.annotated, .annotatedObjects: oo.annotated],
                           headline: lo.annotated == 0 ? "relocs: no linked image in this study"
                               : "relocs: linked \(lo.found)/\(lo.annotated) site-configurations found, objects \(oo.found)/\(oo.annotated); "
                               + "\(relaxed) GOT relaxed")
        return [o1, o2, o3, o4, o5]
    }

    /// The third form beside the two of 2007 (issue 16): direct calls to
    /// per-op trampolines, as Linux's static_call since 5.10. One entry,
    /// numbered 6, when the study has direct configurations (nothing
    /// otherwise): what the form fixes (the misses of the plain form's
    /// decoded scan that come from CSE and hoisting, retpoline thunks and
    /// GOT loads) and what it does not (the 5-byte patch against the
    /// record's 6, the C ABI's clobbers, one more jump per call while
    /// unpatched), over the objects, against the plain form of the same
    /// configurations.
    public static func direct(_ configs: [ConfigResult]) -> [Objection] {
        let direct = configs.filter { $0.form == .direct && $0.link == .object }
        guard !direct.isEmpty else { return [] }
        let plain = configs.filter { c in
            c.form == .plain && c.link == .object && direct.contains { $0.configuration == c.configuration }
        }
        func policy(_ list: [ConfigResult], _ p: Policy) -> Counts {
            list.reduce(Counts()) { $0 + ($1.policies[p] ?? Counts()) }
        }
        let pd = policy(plain, .decoded), dd = policy(direct, .decoded), df = policy(direct, .dataflow)
        let hidden: [Cause] = [.register, .baseRegister, .retpolineThunk, .gotLoad]
        let plainHidden = hidden.reduce(0) { $0 + (pd.causes[$1] ?? 0) }
        let directHidden = hidden.reduce(0) { $0 + (dd.causes[$1] ?? 0) }
        func causes(_ c: Counts) -> String {
            let list = c.causes.filter { $0.key.isScanMiss }
                .sorted { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }
                .map { "\($0.key.rawValue) \($0.value)" }
            return list.isEmpty ? "none" : list.joined(separator: ", ")
        }
        let narrowC = direct.reduce(0) { $0 + $1.clobbers.narrowC }
        let annC = direct.reduce(0) { $0 + $1.clobbers.annotatedC }
        let linked = configs.filter { $0.form == .direct && $0.link == .linked }
        let directText = linked.reduce(0) { $0 + ($1.textBytes.direct ?? 0) }
        let plainText = linked.reduce(0) { $0 + $1.textBytes.plain }
        let answer = "objects: decoded finds \(dd.found) of \(dd.annotated) annotated sites in the direct form "
            + "against \(pd.found) of \(pd.annotated) in the plain form. Fixed: the plain form's \(pd.realMissed) "
            + "decoded misses (\(causes(pd))) are \(dd.realMissed) (\(causes(dd))); \(plainHidden) of them came from "
            + "a pointer in a register, a base register, a retpoline thunk or a GOT load, against \(directHidden). "
            + "Not fixed: \(dd.sizeMismatched) found sites are size-mismatched (a 5-byte direct call where the record "
            + "says 6) and \(dd.kindMismatched) kind-mismatched (a 5-byte tail jmp); "
            + "\(narrowC) of \(annC) C sites declare fewer clobbers than the C ABI the direct call must "
            + "assume; each of the \(dd.found) calls takes one more jump (the trampoline's jmp *) until patched"
            + (directText > 0 ? "; linked text, trampolines included, is \(directText) bytes against \(plainText) plain." : ".")
            + (df.found != dd.found ? " Dataflow: \(df.found)." : "")
        return [Objection(number: 6, claim: "a third form: direct calls to per-op trampolines (static_call, 2020)",
                          answer: answer,
                          figures: [.annotated: dd.annotated, .found(.decoded): dd.found, .found(.dataflow): df.found,
                                    .missed(.decoded): dd.realMissed, .plainFoundDecoded: pd.found,
                                    .plainHiddenMissed: plainHidden, .directHiddenMissed: directHidden,
                                    .sizeMismatched: dd.sizeMismatched, .narrowC: narrowC, .annotatedC: annC,
                                    .extraJumps: dd.found, .linkedTextDirect: directText, .linkedTextPlain: plainText],
                          headline: "direct calls: \(dd.found)/\(dd.annotated) site-configurations found (plain \(pd.found)), "
                              + "\(dd.sizeMismatched) at 5 not 6 bytes")]
    }
}
