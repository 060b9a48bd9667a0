import Foundation
import SigilChain
import SigilContrib
import SigilCore
import Testing

/// The manifest's canonical bytes (what contributors sign) are the same bytes as before they
/// were written by JSONWriter: Foundation's JSONSerialization, sorted keys, slashes unescaped.
@Suite struct ManifestEncodingTests {
    @Test func canonicalBytesAreWhatJSONSerializationWrote() throws {
        var rng = SplitMix64(seed: 11)
        let chars = Array("abcXYZ019._:-")
        func token() -> String { String((0..<Int(1 + rng.next() % 12)).map { _ in chars[Int(rng.next() % UInt64(chars.count))] }) }
        func hash() -> Hash32 { Hash32(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next()) }
        for _ in 0..<2_000 {
            var metrics: [String: String] = [:]
            for _ in 0..<Int(rng.next() % 6) { metrics[token()] = token() }
            let m = UpdateManifest(modelId: hash(), baseVersion: rng.next() % 1_000, baseHash: hash(), newHash: hash(), metrics: metrics,
                                   dataFingerprint: hash(), contributor: Address(hi: rng.next(), mid: rng.next(), lo: UInt32(truncatingIfNeeded: rng.next())),
                                   nonce: token(), timestamp: rng.next() >> 20)
            let object: [String: Any] = [
                "modelId": "\(m.modelId)", "baseVersion": "\(m.baseVersion)", "baseHash": "\(m.baseHash)", "newHash": "\(m.newHash)",
                "metrics": m.metrics, "dataFingerprint": "\(m.dataFingerprint)", "contributor": "\(m.contributor)", "nonce": m.nonce,
                "timestamp": "\(m.timestamp)", "version": "1",
            ]
            let before = [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            #expect(m.canonicalBytes == before)
            #expect(try UpdateManifest(canonical: m.canonicalBytes) == m)
        }
    }
}
