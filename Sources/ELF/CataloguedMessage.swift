/// An error or warning pvsites prints, catalogued in docs/messages.md under
/// its code, as objtool's Documentation/objtool.txt catalogues its warnings:
/// the page gives the message, what it means and what to do about it.
/// `MessageCatalogueTests` keeps the page and every `Code` in step, so a new
/// case (the `code` switch makes one choose its code) needs its entry.
public protocol CataloguedMessage {
    associatedtype Code: RawRepresentable & CaseIterable where Code.RawValue == String
    var code: Code { get }
}
