import Foundation
import GRDB
import SigilBundle
import SigilChain
import SigilCore
import SigilFeeds
import SigilRuntime
import SigilTestSupport
import Testing

/// Flat cost over time: restarts and rewinds start from an engine snapshot and replay only the
/// journal after it, whatever the journal's length; the results equal a run without snapshots.
@Suite struct SnapshotTests {
    /// The bundled blocks played `copies` times as new chain segments: block numbers shifted past
    /// the previous copy, every hash new, so every event is a new event.
    static func segments(_ copies: Int) throws -> (chainId: UInt64, blocks: [LiveRunnerTests.Block]) {
        let (chainId, blocks) = try LiveRunnerTests.blocks()
        let span = (blocks.last?.number ?? 0) + 1
        var out: [LiveRunnerTests.Block] = []
        for k in 0..<copies {
            let shift = UInt64(k) * span
            func renamed(_ h: Hash32) -> Hash32 { k == 0 ? h : Hash32(bytes: Keccak256.hash("copy \(k) \(h)"))! }
            for b in blocks {
                let events = b.events.map { e -> FeedEvent in
                    var fe = e
                    fe.event.id.blockNumber += shift
                    fe.event.id.blockHash = renamed(e.event.id.blockHash)
                    fe.event.id.transactionHash = renamed(e.event.id.transactionHash)
                    fe.log.blockNumber += shift
                    fe.log.blockHash = fe.event.id.blockHash
                    fe.log.transactionHash = fe.event.id.transactionHash
                    return fe
                }
                out.append(.init(number: b.number + shift, hash: renamed(b.hash), events: events))
            }
        }
        return (chainId, out)
    }

    static func outputs(_ sqlite: String) throws -> [String] { try LiveRunnerTests.outputs(sqlite) }

    @Test func restartsAndDeepRewindsFromSnapshotsEqualRunsWithout() async throws {
        let copies = Int(ProcessInfo.processInfo.environment["SIGIL_SNAPSHOT_COPIES"] ?? "") ?? 2
        let (chainId, blocks) = try Self.segments(copies)
        let total = blocks.map(\.events.count).reduce(0, +)
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = try ConfigLoader.load(path: path, components: .bundled)
        let models = try await ModelGate.check(config).verified

        // The reference: no snapshots, every rebuild from the whole journal.
        let reference = try OutputStore(sqlitePath: dir + "/ref.sqlite", jsonlPath: dir + "/ref.jsonl")
        let plain = try LiveRunner(config: config, models: models, store: reference, snapshotEvery: 0)
        try await LiveRunnerTests.feed(plain, blocks[...], chainId: chainId)

        // With a snapshot every 64 blocks and the journal pruned 256 blocks down, killed at four
        // points (one mid-block) and restarted each time.
        config.outputs.jsonl = dir + "/snap.jsonl"
        config.outputs.sqlite = dir + "/snap.sqlite"
        var rebuilt: [Int] = []
        var position = 0
        for stop in [blocks.count / 5, 2 * blocks.count / 5, 3 * blocks.count / 5, 4 * blocks.count / 5, blocks.count] {
            let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
            let runner = try LiveRunner(config: config, models: models, store: store, snapshotEvery: 64, pruneDepth: 256)
            let started = ContinuousClock.now
            let resume = try runner.restore()
            let restart = ContinuousClock.now - started
            position = resume["f"].map { cp in blocks.firstIndex { $0.number > cp.checkpoint } ?? blocks.count } ?? 0
            if position > 0 {
                #expect(runner.restoredSnapshot != nil, "a restart after \(position) blocks starts from a snapshot")
                rebuilt.append(runner.rebuiltEvents)
                let journal = try store.journalCount()
                print("restart after \(position) blocks: \(runner.rebuiltEvents) events replayed after the snapshot at block "
                      + "\(runner.restoredSnapshot?.block ?? 0), journal \(journal) rows, \(restart)")
            }
            try await LiveRunnerTests.feed(runner, blocks[position..<stop], chainId: chainId)
            if stop < blocks.count, let half = blocks[stop...].first(where: { $0.events.count > 1 }) {
                try runner.handle(.events(feed: "f", Array(half.events.prefix(1))))
            }
            if stop == blocks.count {
                // A reorg three blocks deep: rewound from a snapshot, not from genesis.
                let ancestor = blocks[blocks.count - 4].number
                try runner.handle(.rewind(feed: "f", chainId: chainId, toBlock: ancestor))
                try plain.handle(.rewind(feed: "f", chainId: chainId, toBlock: ancestor))
                #expect(runner.restoredSnapshot.map { $0.block <= ancestor } == true)
                #expect(runner.rebuiltEvents < total / 10, "\(runner.rebuiltEvents) events replayed for a depth-3 rewind")
                #expect(plain.rebuiltEvents > total / 2)
                try await LiveRunnerTests.feed(runner, blocks.suffix(3), chainId: chainId)
                try await LiveRunnerTests.feed(plain, blocks.suffix(3), chainId: chainId)
                // The journal stays as deep as the snapshots reach, not as long as the run.
                #expect(try store.journalCount() < total / 2)
            }
            try store.close()
        }
        try reference.close()
        // Each restart replays at most the 64 blocks after a snapshot, however long the journal.
        let perBlock = Double(total) / Double(blocks.count)
        #expect(rebuilt.allSatisfy { Double($0) < perBlock * 64 * 4 }, "\(rebuilt)")
        let got = try Self.outputs(config.outputs.sqlite), want = try Self.outputs(dir + "/ref.sqlite")
        #expect(!want.isEmpty && got == want)
    }

    @Test func aSnapshotOfOtherStrategiesIsNotRestored() async throws {
        let (chainId, blocks) = try LiveRunnerTests.blocks()
        let (path, dir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = try ConfigLoader.load(path: path, components: .bundled)
        let models = try await ModelGate.check(config).verified
        var store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        try await LiveRunnerTests.feed(try LiveRunner(config: config, models: models, store: store, snapshotEvery: 64),
                                       blocks.prefix(600), chainId: chainId)
        try store.close()
        // The configuration changes between two runs: the journal is replayed whole instead.
        config.strategies.removeAll { $0.plugin == "rug-pull-guard" }
        store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        let runner = try LiveRunner(config: config, models: models, store: store, snapshotEvery: 64)
        _ = try runner.restore()
        #expect(runner.restoredSnapshot == nil)
        #expect(runner.rebuiltEvents == blocks.prefix(600).map(\.events.count).reduce(0, +))
        try store.close()
    }
}
