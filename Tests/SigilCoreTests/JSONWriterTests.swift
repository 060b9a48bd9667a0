import Foundation
import SigilCore
import Testing

/// The outputs' JSON writer against Foundation's `JSONSerialization` (the format outputs always
/// had): byte-identical on generated objects with awkward keys, strings and numbers.
@Suite struct JSONWriterTests {
    @Test func writesWhatJSONSerializationWrites() throws {
        var rng = SplitMix64(seed: 42)
        let alphabet: [String] = ["a", "B", "z", "Z", "_", "-", "0", "9", "10", "/", "\"", "\\", "\n", "\t", "\u{1}", "\u{1f}", "\u{7f}",
                                  "é", "ß", "😀", "\u{2028}", " ", "key", "Key", "KEY", "k2", "k10"]
        func text(_ max: Int) -> String {
            (0..<Int(rng.next() % UInt64(max + 1))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }.joined()
        }
        func number() -> Double {
            switch rng.next() % 6 {
            case 0: Double(Int64(bitPattern: rng.next()) >> Int64(rng.next() % 60))
            case 1: Double(rng.next() % 1_000) / 1_000
            case 2: Double(bitPattern: rng.next() & 0x7FEF_FFFF_FFFF_FFFF) * (rng.next() % 2 == 0 ? 1 : -1)
            case 3: Double(rng.next() % 100) * 1e-9
            case 4: Double(rng.next() % 100) * 1e18
            default: 0.5 + Double(rng.next() % 10)
            }
        }
        for _ in 0..<20_000 {
            var members: [(String, JSONWriter.Value)] = []
            var reference: [String: Any] = [:]
            for _ in 0..<Int(rng.next() % 6) {
                let key = text(4)
                guard reference[key] == nil else { continue }
                switch rng.next() % 5 {
                case 0:
                    let s = text(8)
                    members.append((key, .string(s))); reference[key] = s
                case 1:
                    let d = number()
                    members.append((key, .double(d))); reference[key] = d
                case 2:
                    let u = rng.next() >> (rng.next() % 64)
                    members.append((key, .uint(u))); reference[key] = u
                case 3:
                    let b = rng.next() % 2 == 0
                    members.append((key, .bool(b))); reference[key] = b
                default:
                    var m: [String: String] = [:]
                    for _ in 0..<Int(rng.next() % 4) { m[text(3)] = text(5) }
                    members.append((key, .stringMap(m))); reference[key] = m
                }
            }
            var w = JSONWriter()
            w.object(members)
            let want = String(decoding: try JSONSerialization.data(withJSONObject: reference, options: [.sortedKeys]), as: UTF8.self)
            #expect(w.text == want)
            if w.text != want { return }
        }
    }

    /// Keys of letters alone take a fast path (no collator): their order against JSONSerialization's.
    @Test func letterKeysSortAsJSONSerializationSorts() throws {
        var rng = SplitMix64(seed: 7)
        let letters = Array("aAbBmMyYzZ")
        for _ in 0..<5_000 {
            var keys = Set<String>()
            for _ in 0..<Int(2 + rng.next() % 6) {
                keys.insert(String((0..<Int(1 + rng.next() % 5)).map { _ in letters[Int(rng.next() % UInt64(letters.count))] }))
            }
            var w = JSONWriter()
            w.object(keys.map { ($0, .uint(1)) })
            let reference = Dictionary(uniqueKeysWithValues: keys.map { ($0, 1) })
            let want = String(decoding: try JSONSerialization.data(withJSONObject: reference, options: [.sortedKeys]), as: UTF8.self)
            #expect(w.text == want)
            if w.text != want { return }
        }
    }
}
