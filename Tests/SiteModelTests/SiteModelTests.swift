import Foundation
import SiteModel
import Testing

@Suite("Site model")
struct SiteModelTests {
    /// Linux's CLBR_* numbering for x86-64: RAX 0, RCX 1, RDX 2, RDI 3,
    /// RSI 4, R8..R11 5..8; CLBR_ANY = 0x1ff.
    @Test func clobberBits() {
        #expect(ClobberSet.cABI.rawValue == 0x1ff)
        #expect(ClobberSet(rawValue: 0x1).registers == ["rax"])
        #expect(ClobberSet(rawValue: 0x18).registers == ["rdi", "rsi"])
        #expect(ClobberSet(rawValue: 0x1ff).description == "any")
        #expect(ClobberSet().description == "none")
        #expect(ClobberSet(rawValue: 0x8001).unknownBits == 0x8000)
    }

    @Test func clobbersRoundTripAsRegisterNames() throws {
        let set: ClobberSet = [.rax, .rdx, .r11]
        let data = try JSONEncoder().encode(set)
        #expect(String(decoding: data, as: UTF8.self) == #"["rax","rdx","r11"]"#)
        #expect(try JSONDecoder().decode(ClobberSet.self, from: data) == set)
    }

    @Test func opNamesWithAndWithoutDWARF() {
        let named = OpsTable(symbol: "pv_ops", members: [0x18: "irq.save_fl"], size: 0x100)
        #expect(named.op(offset: 0x18).name == "irq.save_fl")
        #expect(named.op(type: 3).name == "irq.save_fl")
        #expect(named.op(offset: 0x20).name == nil)
        #expect(named.op(offset: 0x20).description == "+0x20")
        #expect(named.op(type: 5) == Op(offset: 0x28, name: nil))
        #expect(Op(offset: 0x28, name: nil).named(from: [0x28: "irq.x"]).name == "irq.x")
        #expect(named.contains(offset: 0xf8) && !named.contains(offset: 0x100) && !named.contains(offset: -8))
        #expect(Op(offset: 0x18, name: "x").type == 3)
    }

    /// The resolver's composition: the first source that names a field
    /// wins when filling, the later one when overriding; a trampoline's
    /// name finds its field dotted or underscored (the lowest field when
    /// two share a name); an op read back from JSON is unnamed only when
    /// its text is its own offset.
    @Test func opNamesCompose() {
        let own: OpNames = [0x18: "irq.save_fl", 0x20: "irq.restore_fl"]
        let other: OpNames = [0x18: "other", 0x28: "irq.disable"]
        #expect(own.filled(from: other) == [0x18: "irq.save_fl", 0x20: "irq.restore_fl", 0x28: "irq.disable"])
        #expect(own.overridden(by: other) == [0x18: "other", 0x20: "irq.restore_fl", 0x28: "irq.disable"])
        let offsets = OpNames([0x30: "a.b", 0x38: "a_b", 0x40: "c"]).trampolineOffsets
        #expect(offsets == ["a.b": 0x30, "a_b": 0x30, "c": 0x40])
        #expect(own.op(offset: 0x20).description == "irq.restore_fl" && own.op(offset: 0x30).description == "+0x30")
        #expect(Op(offset: 0x30, text: "+0x30").name == nil)
        #expect(Op(offset: 0x30, text: "+0x28").name == "+0x28")
        #expect(Op(offset: 0x18, text: "irq.save_fl") == own.op(offset: 0x18))
        let site = Site(section: ".text", sectionIndex: 1, offset: 0, address: 0, location: "f", length: 6, kind: .call,
                        op: Op(offset: 0x28, name: nil), clobbers: nil, evidence: "r")
        #expect(other.name([site]).map(\.op.name) == ["irq.disable"])
    }

    @Test func siteJSONHasTheContractFields() throws {
        let site = Site(section: ".text", sectionIndex: 1, offset: 0x1a, address: 0x1a, location: "f+0x1a",
                        length: 6, kind: .call, op: Op(offset: 0x128, name: "irq_disable"), clobbers: .rax,
                        evidence: "r")
        let json = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(site)) as? [String: Any])
        for key in ["section", "offset", "address", "length", "type", "op", "clobbers"] {
            #expect(json[key] != nil, "\(key)")
        }
        #expect(json["type"] as? Int == 0x25)
        #expect(try JSONDecoder().decode(Site.self, from: JSONEncoder().encode(site)) == site)
    }
}
