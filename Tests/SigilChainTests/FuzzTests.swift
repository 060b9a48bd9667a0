import Foundation
import SigilChain
import SigilCore
import SigilFeeds
import SigilTestSupport
import Testing

/// Seeded mutation fuzzing of the chain layer's input surfaces: websocket frames, keystores,
/// registry snapshots. Every case ends in a value or a typed error, within a bounded time.
@Suite struct ChainFuzzTests {
    @Test func frames() async throws {
        var corpus: [[UInt8]] = []
        try Recording(path: FrameDecoderTests.replay).forEachFrame { if corpus.count < 2_000 { corpus.append(Array($0)) } }
        let decoder = FrameDecoder(chainId: 1)
        var reasons: [FrameError.Reason: Int] = [:]
        let r = await Fuzz.run("frames", corpus: corpus, cases: Fuzz.cases(default: 60_000)) { input in
            do {
                switch try decoder.decode(input) {
                case .event(let e, _): #expect(e.id.blockNumber <= Bounds.maxBlockNumber)
                case .head(let h, _): #expect(h.number <= Bounds.maxBlockNumber)
                case .otherLog(let l, _): #expect(l.blockNumber <= Bounds.maxBlockNumber)
                }
                return true
            } catch let error as FrameError {
                reasons[error.reason, default: 0] += 1
                throw error
            }
        }
        #expect(r.accepted > 0 && r.refused > 0)
        #expect((reasons[.malformedJSON] ?? 0) > 0 && (reasons[.wrongType] ?? 0) > 0)
        // A number past its bound is a rarer mutation: reached within the full run's cases, not the quick lane's.
        if r.cases >= 10_000 { #expect((reasons[.outOfRange] ?? 0) > 0) }
    }

    @Test func keystores() async throws {
        let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [1])
        let corpus = [try Keystore.encrypt(key, password: "pw", kdf: .scrypt(n: 16, r: 1, p: 1)),
                      try Keystore.encrypt(key, password: "pw", kdf: .pbkdf2(iterations: 16))].map { [UInt8]($0) }
        var opened = 0
        let r = await Fuzz.run("keystores", corpus: corpus, cases: Fuzz.cases(default: 20_000)) { input in
            let parsed = try Keystore.parse(Data(input))
            // Derive only where the (bounded) cost is small, so the case count stays high.
            let cheap: Bool
            switch parsed.kdf {
            case .scrypt(let n, let blockSize, let parallelism): cheap = n * blockSize * parallelism <= 1 << 10
            case .pbkdf2(let rounds): cheap = rounds <= 1 << 10
            }
            if cheap {
                opened += 1
                _ = try Keystore.decrypt(Data(input), password: "pw")
            }
            return true
        }
        #expect(r.accepted > 0 && r.refused > 0)
        #expect(opened > 0)
    }

    @Test func registrySnapshots() async throws {
        let snapshot = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Peers.root + "/models/registry-snapshot.json")))
        let r = await Fuzz.run("registry snapshots", corpus: [snapshot], cases: Fuzz.cases(default: 20_000)) { input in
            let s = try ModelRegistrySnapshot(data: input, path: "fuzz")
            for (_, versions) in s.versions { #expect(versions.enumerated().allSatisfy { UInt64($0.offset + 1) == $0.element.version }) }
            return true
        }
        #expect(r.accepted > 0 && r.refused > 0)
    }
}
