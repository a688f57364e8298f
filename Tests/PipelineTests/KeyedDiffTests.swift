import Compare
import CorpusBuild
import Foundation
import Pipeline
import SiteModel
import Testing

/// The configuration identity and the diff engine under the gate and
/// `pvsites diff`, on hand-made inputs whose pairing is known.
@Suite struct KeyedDiffTests {
    static func id(_ compiler: String, _ opt: String, link: LinkForm = .object, form: Form = .plain) -> ConfigID {
        ConfigID(compiler: compiler, variant: "kernel", opt: opt, link: link, form: form)
    }

    @Test func pairsByIdentityInEachSidesOrder() {
        let a = Self.id("gcc", "-O2"), b = Self.id("gcc", "-Os"), c = Self.id("gcc", "-O2", link: .linked)
        let d = Self.id("gcc", "-O2", form: .direct)
        let diff = KeyedDiff(old: [(a, "a"), (b, "b"), (c, "c"), (a, "a again")], new: [(c, 3), (d, 4), (a, 1)])
        // Every old entry, the duplicate too; it pairs once.
        #expect(diff.old.map(\.old) == ["a", "b", "c", "a again"])
        #expect(diff.old.map(\.new) == [1, nil, 3, 1])
        #expect(diff.pairs.map(\.id) == [c, a])
        #expect(diff.pairs.map(\.old) == ["c", "a"])
        #expect(diff.onlyOld.map(\.id) == [b])
        #expect(diff.onlyNew.map(\.id) == [d])
    }

    @Test func pairsAcrossCompilersWhenTheCompilerIsLeftOut() {
        let gcc = Self.id("gcc", "-O2"), gcc11 = Self.id("gcc-11", "-O2")
        #expect(KeyedDiff(old: [(gcc, 0)], new: [(gcc11, 0)]).pairs.isEmpty)
        let across = KeyedDiff(old: [(gcc.leavingOut(compiler: true), 0)], new: [(gcc11.leavingOut(compiler: true), 1)])
        #expect(across.pairs.count == 1)
        #expect(across.pairs.first?.id.fullName() == "kernel -O2 object plain")
    }

    @Test func keyDeltaSeparatesKeptGoneAndCameCauses() throws {
        let key = try #require(SiteKey("+0x128 @ paravirt.h:44 <- irq_loops.c:30"))
        let other = try #require(SiteKey("+0x10 @ paravirt.h:50 <- irq_loops.c:31"))
        let old = [ConfigResult.KeyedOutcome(key: key, cause: .register), .init(key: key, cause: nil),
                   .init(key: other, cause: .register)]
        let new = [ConfigResult.KeyedOutcome(key: key, cause: .retpolineThunk), .init(key: key, cause: .register),
                   .init(key: key, cause: .retpolineThunk)]
        let deltas = KeyDelta.deltas(old: old, new: new)
        #expect(deltas.map(\.key) == [other, key].sorted())
        let d = try #require(deltas.first { $0.key == key })
        #expect(d.old == [.register, nil])
        #expect(d.gone == [nil])
        #expect(d.came == [.retpolineThunk, .retpolineThunk])
        #expect(d.kept == [.register])
        let gone = try #require(deltas.first { $0.key == other })
        #expect(gone.new.isEmpty && gone.gone == [.register] && gone.came.isEmpty)
    }

    /// The names and JSON values the study, the gate and `pvsites diff`
    /// print, as Kernels/results/6.1-gcc.json and Corpus/baseline.json
    /// have them.
    @Test func namesAndJSONValuesStayAsRecorded() throws {
        #expect(ConfigID.linuxVariant(kernel: "6.1", retpoline: .on) == "linux-6.1-retpoline-on")
        #expect(String(decoding: try JSONEncoder().encode([Retpoline.off, .on]), as: UTF8.self) == #"["off","on"]"#)
        let tree = ConfigID(compiler: "gcc", variant: "linux-6.1-retpoline-on", opt: "-O2", link: .object, form: .plain,
                            kernel: "6.1", retpoline: .on, scope: .tree)
        #expect(tree.description == "gcc linux-6.1-retpoline-on -O2 object tree")
        #expect(tree.fullName() == "gcc 6.1 linux-6.1-retpoline-on -O2 retpoline on object plain tree")
        #expect(tree.fullName(links: [.object, .linked], formLast: true)
            == "gcc 6.1 linux-6.1-retpoline-on -O2 retpoline on object+linked tree plain")
        #expect(Self.id("gcc", "-O2", form: .direct).description == "gcc kernel -O2 object direct")
        // The subset and vmlinux are told apart by link alone.
        let subset = ConfigID(compiler: "gcc", variant: "v", opt: "-O2", link: .object, scope: .subset)
        #expect(subset == ConfigID(compiler: "gcc", variant: "v", opt: "-O2", link: .object))
        #expect(Retpoline.off < .on)
    }
}
