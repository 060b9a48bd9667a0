import Foundation
import SigilBundle
import SigilContrib
import SigilCore
import SigilFeeds
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// `Dataset.build(before:)` is what keeps a walk-forward fold's training out of its test blocks.
@Suite struct DatasetTests {
    struct NotAFrame: Error { var line: String }

    /// The bundled recording cut at a block, as a file of the frames below it.
    static func truncated(below block: UInt64, into path: String) throws {
        var kept = ""
        _ = try Recording(path: Peers.root + "/data/replay/sigil-scenarios.jsonl.gz").forEachFrame { raw in
            let line = String(decoding: raw, as: UTF8.self)
            guard let frame = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let result = (frame["params"] as? [String: Any])?["result"] as? [String: Any],
                  let hex = (result["blockNumber"] ?? result["number"]) as? String, let number = UInt64(hex.dropFirst(2), radix: 16)
            else { throw NotAFrame(line: String(line.prefix(200))) }
            if number < block { kept += line + "\n" }
        }
        try Data(kept.utf8).write(to: URL(fileURLWithPath: path))
    }

    /// Built off the cooperative threads (seconds of replay would stall every other suite's
    /// tasks); checked here, in the test's own task.
    @Test func rowsBeforeABlockAreExactlyThoseOfTheRecordingCutThere() async throws {
        let dir = try Fixtures.tempDir("dataset")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let features = try #require(Components.bundled.plugins.plugin(kind: "model-signal")?.modelFeatures["signal"])
        let chain: UInt64 = 131_277_322_940_537
        let full = Peers.root + "/data/replay/sigil-scenarios.jsonl.gz"
        let all = try await OffPool.run { try Dataset.build(recordings: [(full, chain)], features: features, horizon: 8) }
        for cut: UInt64 in [600, 1200] {
            let (before, cutFile) = try await OffPool.run {
                try Self.truncated(below: cut, into: dir + "/cut.jsonl")
                return (try Dataset.build(recordings: [(full, chain)], features: features, horizon: 8, before: cut),
                        try Dataset.build(recordings: [(dir + "/cut.jsonl", chain)], features: features, horizon: 8))
            }
            #expect(before.rows > 100 && before.rows < all.rows, "\(before.rows) of \(all.rows) rows before block \(cut)")
            // Same rows and the same labels: nothing at or after the cut reached a row or a label.
            #expect(before.features == cutFile.features && before.labels == cutFile.labels, "cut at \(cut)")
        }
    }
}
