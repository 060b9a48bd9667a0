import Foundation
import GRDB
import SigilBundle
import SigilChain
import SigilCore
import SigilFeeds
import SigilRuntime
import SigilTestSupport
import Testing

/// The live runner's durability, driven by the bundled recording's real frames turned into feed
/// items (one `.events` per log, a `.blockClosed` per head), as a live feed would hand them over.
@Suite struct LiveRunnerTests {
    struct Block {
        var number: UInt64
        var hash: Hash32
        var events: [FeedEvent]
    }

    static func blocks() throws -> (chainId: UInt64, blocks: [Block]) {
        let chainId: UInt64 = 131_277_322_940_537
        let decoder = FrameDecoder(chainId: chainId)
        var blocks: [Block] = []
        var current: [UInt64: [FeedEvent]] = [:]
        var hashes: [UInt64: Hash32] = [:]
        try Recording(path: Peers.root + "/data/replay/sigil-scenarios.jsonl.gz").forEachFrame { raw in
            let text = String(decoding: raw, as: UTF8.self)
            let (decoded, log) = try decoder.decodeKeepingLog(text)
            switch decoded {
            case .event(let e, _):
                if let log { current[e.id.blockNumber, default: []].append(FeedEvent(event: e, log: log)) }
                hashes[e.id.blockNumber] = e.id.blockHash
            case .head(let h, _):
                hashes[h.number] = h.hash
            case .otherLog:
                break
            }
        }
        for n in hashes.keys.sorted() { blocks.append(Block(number: n, hash: hashes[n]!, events: current[n] ?? [])) }
        return (chainId, blocks)
    }

    static func outputs(_ sqlite: String) throws -> [String] {
        let db = try DatabaseQueue(path: sqlite)
        return try db.read { try String.fetchAll($0, sql: "SELECT key || ' ' || retracted FROM outputs ORDER BY key") }
    }

    /// Hands blocks to the runner as a feed would, yielding between blocks so that the long
    /// replay does not hold one of the few cooperative threads the other tests share.
    /// `bursts`: each block's logs are handed over as a burst (more waiting behind each), so they
    /// commit together with the block's close.
    static func feed(_ runner: LiveRunner, _ blocks: ArraySlice<Block>, chainId: UInt64, bursts: Bool = false) async throws {
        for b in blocks {
            await Task.yield()
            for e in b.events { try runner.handle(.events(feed: "f", [e]), moreWaiting: bursts) }
            try runner.handle(.blockClosed(feed: "f", chainId: chainId, number: b.number, hash: b.hash))
        }
    }

    /// Live items handed over while more wait are committed with the last of them, and not before.
    @Test func aBurstCommitsWithItsLastItem() async throws {
        let (chainId, blocks) = try Self.blocks()
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try ConfigLoader.load(path: path, components: .bundled)
        let models = try await ModelGate.check(config).verified
        let store = try OutputStore(sqlitePath: dir + "/b.sqlite", jsonlPath: dir + "/b.jsonl")
        let runner = try LiveRunner(config: config, models: models, store: store)
        let journaled = { try DatabaseQueue(path: dir + "/b.sqlite").read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM events") ?? 0 } }
        guard let busy = blocks.first(where: { $0.events.count > 2 }) else { Issue.record("no block with three events"); return }
        for e in busy.events { try runner.handle(.events(feed: "f", [e]), moreWaiting: true) }
        #expect(try journaled() == 0)
        try runner.handle(.blockClosed(feed: "f", chainId: chainId, number: busy.number, hash: busy.hash))
        #expect(try journaled() == busy.events.count)
        #expect(runner.summary.commits.count == 1)
        try store.close()
    }

    @Test(arguments: [false, true])
    func crashesAndRestartsGiveTheOutputsOfAnUninterruptedRun(bursts: Bool) async throws {
        let (chainId, blocks) = try Self.blocks()
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = try ConfigLoader.load(path: path, components: .bundled)
        let models = try await ModelGate.check(config).verified

        let reference = try OutputStore(sqlitePath: dir + "/ref.sqlite", jsonlPath: dir + "/ref.jsonl")
        try await Self.feed(try LiveRunner(config: config, models: models, store: reference), blocks[...], chainId: chainId)
        try reference.close()

        // Crash three times: after a block's events but before its close, mid-block, and after a close.
        config.outputs.jsonl = dir + "/crash.jsonl"
        config.outputs.sqlite = dir + "/crash.sqlite"
        var position = 0
        for stop in [blocks.count / 4, blocks.count / 2, 3 * blocks.count / 4, blocks.count] {
            let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
            let runner = try LiveRunner(config: config, models: models, store: store)
            let resume = try runner.restore()
            // A feed resumes from the block after the checkpoint, redelivering what was in flight.
            position = resume["f"].map { cp in blocks.firstIndex { $0.number > cp.checkpoint } ?? blocks.count } ?? 0
            if position > 0 { #expect(runner.rebuiltEvents > 0) }
            try await Self.feed(runner, blocks[position..<stop], chainId: chainId, bursts: bursts)
            if stop < blocks.count, let half = blocks[stop...].first(where: { $0.events.count > 1 }) {
                // In flight when the process dies (with bursts: handled, waiting for its burst's commit).
                try runner.handle(.events(feed: "f", Array(half.events.prefix(1))), moreWaiting: bursts)
            }
            try store.close()
        }
        let got = try Self.outputs(config.outputs.sqlite), want = try Self.outputs(dir + "/ref.sqlite")
        #expect(!want.isEmpty)
        #expect(got == want)
        let lines = try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8).split(separator: "\n")
        #expect(Set(lines).count == lines.count)
        #expect(lines.count == want.count)
    }

    @Test func aRewindRetractsEveryOutputAboveTheAncestorAndARedeliveryReinstatesThem() async throws {
        let (chainId, blocks) = try Self.blocks()
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try ConfigLoader.load(path: path, components: .bundled)
        let models = try await ModelGate.check(config).verified
        let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        let runner = try LiveRunner(config: config, models: models, store: store)
        try await Self.feed(runner, blocks[...], chainId: chainId)
        let before = try Self.outputs(config.outputs.sqlite)
        let ancestor = blocks[blocks.count / 2].number
        let db = try DatabaseQueue(path: config.outputs.sqlite)
        let above = try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM outputs WHERE block_number > ?", arguments: [Int64(ancestor)])! }
        #expect(above > 0)

        try runner.handle(.rewind(feed: "f", chainId: chainId, toBlock: ancestor))
        let retracted = try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM outputs WHERE retracted = 1")! }
        let records = try await db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM retractions")! }
        let checkpoint = try await db.read { try Int64.fetchOne($0, sql: "SELECT block_number FROM checkpoints WHERE feed = 'f'")! }
        #expect(retracted == above && records == above)
        #expect(checkpoint == Int64(ancestor))
        let jsonl = try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8)
        #expect(jsonl.components(separatedBy: "\"type\":\"retraction\"").count - 1 == above)
        #expect(runner.summary.retractedOutputs == above)

        // The same blocks come back (a reorg that flipped back): every output is reinstated.
        try await Self.feed(runner, blocks.drop { $0.number <= ancestor }, chainId: chainId)
        #expect(try Self.outputs(config.outputs.sqlite) == before)
        try store.close()
    }

    @Test func theJSONLIsBroughtLevelWithTheDatabaseAfterACrash() async throws {
        let (chainId, blocks) = try Self.blocks()
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = try ConfigLoader.load(path: path, components: .bundled)
        let models = try await ModelGate.check(config).verified
        var store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        try await Self.feed(try LiveRunner(config: config, models: models, store: store), blocks[...], chainId: chainId)
        try store.close()
        let full = try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8)
        let lines = full.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count > 20)
        // A crash between a commit and its JSONL write, and in the middle of a line.
        let cut = lines.prefix(lines.count - 10).joined(separator: "\n") + "\n" + lines[lines.count - 10].prefix(17)
        try cut.write(toFile: config.outputs.jsonl, atomically: true, encoding: .utf8)
        store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        try store.close()
        #expect(try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8) == full)
    }
}
