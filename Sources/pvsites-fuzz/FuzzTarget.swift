import Foundation
import ELF
import Pipeline

/// The libFuzzer target over the whole path (`WholePath`: parse → macro →
/// reloc → compare). Every input must give a result or an
/// `ObjectFileError`; anything else — a trap, an ASan report, an untyped
/// error — is a crash for libFuzzer to keep. `make fuzz` builds it with
/// `-sanitize=fuzzer,address` and `-D PVSITES_LIBFUZZER` (its `main` then
/// hands over to libFuzzer's driver) and runs it on a corpus seeded from
/// corpus objects and real modules.
///
/// Built without the fuzzer (a plain `swift build`), the same binary
/// replays inputs: `pvsites-fuzz FILE...` runs each file through the same
/// path and prints what happened, to reproduce a crash outside libFuzzer.
@_cdecl("LLVMFuzzerTestOneInput")
public func pvsitesFuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = FuzzOne.run(bytes, name: "fuzz-input")
    return 0
}

enum FuzzOne {
    /// One input through the whole path: a line saying what happened.
    static func run(_ bytes: [UInt8], name: String) -> String {
        do {
            let s = try WholePath.run(bytes: bytes, name: name)
            return "ok: \(s.sections) sections, \(s.annotated) annotated, \(s.references) references, "
                + "\(s.sites) sites, \(s.outcomes) outcomes"
        } catch let e as ObjectFileError {
            return "error: \(e)"
        } catch {
            // Every error a bad input can cause is an ObjectFileError.
            fatalError("untyped error from \(name): \(type(of: error)): \(error)")
        }
    }
}

#if PVSITES_LIBFUZZER
/// libFuzzer's entry for programs that keep their own `main` (SwiftPM
/// gives every executable one).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

@main
struct FuzzMain {
    static func main() {
        #if PVSITES_LIBFUZZER
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, pvsitesFuzzTestOneInput))
        #else
        let paths = CommandLine.arguments.dropFirst()
        if paths.isEmpty {
            FileHandle.standardError.write(Data("usage: pvsites-fuzz FILE...\n".utf8))
            exit(2)
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("\(path): cannot read")
                continue
            }
            print("\(path): " + FuzzOne.run([UInt8](data), name: path))
        }
        #endif
    }
}
