import SigilChain
import SigilCore
import SigilFeeds
import Testing

/// Mutated and random input must give a typed error or a value, never a crash.
@Suite struct MalformedInputTests {
    @Test func mutatedFramesNeverCrashTheDecoder() throws {
        var frames: [[UInt8]] = []
        let recording = try Recording(path: FrameDecoderTests.replay)
        recording.forEachFrame { if frames.count < 3000 { frames.append(Array($0)) } }
        let decoder = FrameDecoder(chainId: 1)
        var rng = SplitMix64(seed: 42)
        var outcomes: [String: Int] = [:]
        let alphabet = Array(#"{}[]",:0123456789abcdefxX"\ tnrue-"#.utf8)
        for (k, original) in frames.enumerated() {
            for _ in 0..<5 {
                var f = original
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: f = Array(f.prefix(Int.random(in: 0..<f.count, using: &rng)))  // truncate
                case 1: f[Int.random(in: 0..<f.count, using: &rng)] = alphabet.randomElement(using: &rng)!  // overwrite
                case 2: f.insert(alphabet.randomElement(using: &rng)!, at: Int.random(in: 0...f.count, using: &rng))
                case 3: f.remove(at: Int.random(in: 0..<f.count, using: &rng))
                default: f = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                }
                do {
                    _ = try decoder.decode(f)
                    outcomes["decoded", default: 0] += 1
                } catch {
                    outcomes[error.reason.rawValue, default: 0] += 1
                }
            }
            if k == 0 { #expect(throws: Never.self) { try decoder.decode(original) } }
        }
        #expect(outcomes.values.reduce(0, +) == frames.count * 5)
        #expect((outcomes["malformed_json"] ?? 0) > 0 && (outcomes["wrong_type"] ?? 0) > 0)
    }

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
