import SigilChain
import SigilCore
import SigilFeeds
import Testing

/// Mutated and random input must give a typed error or a value, never a crash.
@Suite struct MalformedInputTests {
    @Test func randomBytesNeverCrashTheABIDecoder() throws {
        var rng = SplitMix64(seed: 7)
        let types: [[ABIType]] = try ["uint256", "(bytes,string[])", "uint8[3][]", "(int24,address,bool)[]", "bytes32", "string"]
            .map { [try ABIType(parsing: $0)] }
        var decoded = 0, rejected = 0
        for _ in 0..<20_000 {
            let words = Int.random(in: 0..<8, using: &rng)
            var data = [UInt8]()
            for _ in 0..<words {
                // mostly small words, so offsets and lengths are often plausible
                if Bool.random(using: &rng) {
                    data += [UInt8](repeating: 0, count: 31) + [UInt8.random(in: 0...0xa0, using: &rng)]
                } else {
                    data += (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
                }
            }
            do {
                _ = try ABI.decode(types.randomElement(using: &rng)!, data)
                decoded += 1
            } catch {
                rejected += 1
            }
        }
        #expect(decoded + rejected == 20_000 && decoded > 0 && rejected > 0)
    }
}
