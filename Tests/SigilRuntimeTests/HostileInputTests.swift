import Foundation
import GRDB
import SigilBundle
import SigilChain
import SigilCore
import SigilFeeds
import SigilRuntime
import SigilTestSupport
import Testing

/// Issue 9's findings on the runtime, each reproduced: blocks out of order, a journal poisoned
/// by an out-of-range log or a corrupt row, two processes on one store, a JSONL damaged or not
/// Sigil's, two outputs on one file.
@Suite struct HostileInputTests {
    static func config(_ edit: (String) -> String = { $0 }) throws -> (config: SigilConfig, dir: String) {
        let (path, dir) = try RunTests.tempConfig()
        let yaml = try String(contentsOfFile: path, encoding: .utf8)
        try edit(yaml).write(toFile: path, atomically: true, encoding: .utf8)
        return (try ConfigLoader.load(path: path, components: .bundled), dir)
    }

    /// The bundled recording with its second half played first: heads and swaps go back by
    /// hundreds of blocks (a trap in `model-signal` and `rug-pull-guard` before).
    @Test func aReplayWhoseBlocksGoBackwardsRunsToItsEnd() async throws {
        var lines: [String] = []
        try Recording(path: Peers.root + "/data/replay/sigil-scenarios.jsonl.gz").forEachFrame { lines.append(String(decoding: $0, as: UTF8.self)) }
        let heads = lines.indices.filter { lines[$0].contains("parentHash") }
        let half = heads[heads.count / 2]
        let (config0, dir) = try Self.config()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let shuffled = dir + "/backwards.jsonl"
        try (Array(lines[half...]) + Array(lines[..<half])).joined(separator: "\n").write(toFile: shuffled, atomically: true, encoding: .utf8)
        var config = config0
        config.feeds[0] = SigilConfig.Feed.replay(name: "backwards", path: shuffled, chainId: 131_277_322_940_537)
        let gate = try await ModelGate.check(config)
        let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        let s = try ReplayRun.run(config: config, models: gate.verified, store: store).summary
        try store.close()
        #expect(s.frames == lines.count)
        #expect(s.events > 5_000)
        #expect(s.alertsBySeverity["critical"] ?? 0 >= 1)
    }

    /// A plugin handed swaps whose blocks decrease never traps (block − last underflowed).
    @Test func pluginsTakeBlocksInAnyOrder() async throws {
        let (config, dir) = try Self.config()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gate = try await ModelGate.check(config)
        let engine = try Engine(config: config, models: gate.verified)
        let (_, blocks) = try LiveRunnerTests.blocks()
        var processed = 0
        // Forward first (pools created, signals given), then every block again, newest first.
        for b in blocks { for e in b.events { _ = engine.process(e.event) } }
        let again = try Engine(config: config, models: gate.verified)
        for b in blocks { for e in b.events where b.number < 400 { _ = again.process(e.event) } }
        for b in blocks.reversed() {
            for e in b.events {
                var later = e.event
                later.id.blockHash = Hash32(bytes: Keccak256.hash("again \(b.number)"))!
                _ = again.process(later)
                processed += 1
                if processed % 512 == 0 { await Task.yield() }
            }
        }
        #expect(again.eventsProcessed > processed)
    }

    /// Live: an event of a block beyond what a chain holds, or of a block the feed closed, is
    /// rejected and counted before the journal; the run goes on.
    @Test func theLiveRunnerRejectsEventsThatBreakTheFeedsOrder() async throws {
        let (chainId, blocks) = try LiveRunnerTests.blocks()
        let (config, dir) = try Self.config()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let models = try await ModelGate.check(config).verified
        let store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        let runner = try LiveRunner(config: config, models: models, store: store)
        _ = try runner.restore()
        try await LiveRunnerTests.feed(runner, blocks[..<40], chainId: chainId)
        let journaled = try store.journal().entries.count
        let closed = blocks[39].number
        let template = blocks.first { !$0.events.isEmpty }!.events[0]
        func variant(block: UInt64, salt: String) -> FeedEvent {
            var e = template
            let hash = Hash32(bytes: Keccak256.hash(salt))!
            e.event.id = EventID(chainId: chainId, blockHash: hash, logIndex: 7, blockNumber: block, transactionHash: hash, transactionIndex: 0)
            e.log.blockNumber = block
            e.log.blockHash = hash
            e.log.logIndex = 7
            return e
        }
        try runner.handle(.events(feed: "f", [variant(block: closed - 3, salt: "stale")]))
        try runner.handle(.events(feed: "f", [variant(block: Bounds.maxBlockNumber + 1, salt: "far")]))
        #expect(runner.summary.rejected[.staleBlock] == 1)
        #expect(runner.summary.rejected[.outOfRange] == 1)
        #expect(try store.journal().entries.count == journaled)
        try await LiveRunnerTests.feed(runner, blocks[40..<60], chainId: chainId)
        #expect(try store.journal().entries.count > journaled)
        try store.close()
    }

    /// A store written by an older Sigil: a journaled log at block 0xfffffff followed by lower
    /// ones, a row whose topics are not whole words and an old row whose topics are not hex. The
    /// start rebuilds, quarantines the unreadable rows with an alert each, and goes on.
    @Test func aPoisonedJournalIsRebuiltAndTheUnreadableEntryQuarantined() async throws {
        let (chainId, blocks) = try LiveRunnerTests.blocks()
        let (config, dir) = try Self.config()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let models = try await ModelGate.check(config).verified
        var store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        var runner = try LiveRunner(config: config, models: models, store: store)
        _ = try runner.restore()
        try await LiveRunnerTests.feed(runner, blocks[..<80], chainId: chainId)
        try store.close()
        let db = try DatabaseQueue(path: config.outputs.sqlite)
        try await db.write { db in
            let swapSeq = try Int64.fetchOne(db, sql: "SELECT seq FROM events WHERE kind LIKE '%swap' ORDER BY seq LIMIT 1")!
            try db.execute(sql: "UPDATE events SET block_number = ? WHERE seq = ?", arguments: [0xfffffff, swapSeq])
            try db.execute(sql: "UPDATE events SET topic_words = X'0102030405' WHERE seq = (SELECT MAX(seq) FROM events)")
            // A row of an older store, whose topics are hex text, and not hex.
            try db.execute(sql: "UPDATE events SET topic_words = NULL, topics = 'not hex at all' WHERE seq = (SELECT MAX(seq) - 1 FROM events)")
        }
        try db.close()
        store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        runner = try LiveRunner(config: config, models: models, store: store)
        _ = try runner.restore()
        #expect(runner.quarantinedByRebuild.count == 2)
        #expect(try store.quarantined() == 2)
        #expect(runner.rebuiltEvents > 50)
        try await LiveRunnerTests.feed(runner, blocks[80..<120], chainId: chainId)
        try store.close()
        let jsonl = try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8)
        #expect(jsonl.contains("SIGIL-JOURNAL-QUARANTINE"))
        // Quarantined once: a second start finds nothing more to set aside.
        store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        runner = try LiveRunner(config: config, models: models, store: store)
        _ = try runner.restore()
        #expect(runner.quarantinedByRebuild.isEmpty)
        try store.close()
    }

    @Test func aSecondOwnerOfAStoreIsRefusedBeforeWritingAndNamesTheHolder() async throws {
        let (config, dir) = try Self.config()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        let before = try Data(contentsOf: URL(fileURLWithPath: config.outputs.jsonl))
        #expect {
            try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        } throws: { error in
            "\(error)".contains("in use by process \(getpid())") && "\(error)".contains(config.outputs.sqlite)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: config.outputs.jsonl)) == before)
        try first.close()
        try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl).close()
    }

    /// Lines lost in the middle and lines repeated (what two writers did): reconciled by line,
    /// not by count, to exactly the database's outputs.
    @Test func theJSONLIsReconciledLineByLineNotByCount() async throws {
        let (config, dir) = try Self.config()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let gate = try await ModelGate.check(config)
        var store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        _ = try ReplayRun.run(config: config, models: gate.verified, store: store).summary
        try store.close()
        let full = try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8)
        var lines = full.split(separator: "\n").map(String.init)
        #expect(lines.count > 50)
        for l in lines { #expect(l.contains("\"key\":\"")) }
        let lost = Array(lines[10..<30])
        lines.removeSubrange(10..<30)
        lines += lost.prefix(5) + lost.prefix(5)  // as many lines as lost, but the wrong ones
        lines += Array(repeating: lines[0], count: 10)
        try (lines.joined(separator: "\n") + "\n").write(toFile: config.outputs.jsonl, atomically: true, encoding: .utf8)
        store = try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        try store.close()
        #expect(try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8) == full)
    }

    @Test func aJSONLThatSigilDidNotWriteIsLeftUntouchedAndRefused() async throws {
        let (config, dir) = try Self.config()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
        let notes = "my notes\nsecond line without its newline"
        try notes.write(toFile: config.outputs.jsonl, atomically: true, encoding: .utf8)
        #expect {
            try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl)
        } throws: { "\($0)".contains("line 1 was not written by the output store") }
        #expect(try String(contentsOfFile: config.outputs.jsonl, encoding: .utf8) == notes)
        // The refusal released the store: it opens once the file is moved away.
        try FileManager.default.removeItem(atPath: config.outputs.jsonl)
        try OutputStore(sqlitePath: config.outputs.sqlite, jsonlPath: config.outputs.jsonl).close()
    }

    /// `config check` refuses what opening the store refuses, with file, line and column.
    @Test func configCheckRefusesOutputsTheRunCouldNotWrite() throws {
        let cases: [(String, String)] = [
            ("  jsonl: out/outputs.jsonl\n  sqlite: out/sigil.sqlite", "  jsonl: out/same.db\n  sqlite: out/same.db"),
            ("  jsonl: out/outputs.jsonl\n  sqlite: out/sigil.sqlite", "  jsonl: out/x.sqlite-wal\n  sqlite: out/x.sqlite"),
            ("  jsonl: out/outputs.jsonl\n  sqlite: out/sigil.sqlite", "  jsonl: strategies.yaml/inside.jsonl\n  sqlite: out/sigil.sqlite"),
            ("  jsonl: out/outputs.jsonl\n  sqlite: out/sigil.sqlite", "  jsonl: .\n  sqlite: out/sigil.sqlite"),
        ]
        let expected = ["is the sqlite output", "the sqlite output's -wal file", "is not a directory", "is a directory"]
        for ((from, to), want) in zip(cases, expected) {
            let (path, dir) = try RunTests.tempConfig()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let yaml = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: from, with: to)
            try yaml.write(toFile: path, atomically: true, encoding: .utf8)
            #expect { try ConfigLoader.load(path: path, components: .bundled) } throws: { error in
                let e = error as? ConfigError
                return e?.message.contains(want) == true && (e?.line ?? 0) > 1
            }
        }
    }

    @Test func configErrorsSayWhyAFileCannotBeRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sigil-cfg-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect { try ConfigLoader.load(path: dir, components: .bundled) } throws: { "\($0)".contains("is a directory") }
        try Data([0x66, 0x65, 0x65, 0x64, 0x73, 0x3a, 0x20, 0xc3, 0x28]).write(to: URL(fileURLWithPath: dir + "/bad.yaml"))
        #expect { try ConfigLoader.load(path: dir + "/bad.yaml", components: .bundled) } throws: { "\($0)".contains("invalid UTF-8 at byte 7") }
        #expect { try ConfigLoader.load(path: dir + "/missing.yaml", components: .bundled) } throws: { "\($0)".contains("No such file or directory") }
        try "not a recording\n".write(toFile: dir + "/rec.jsonl", atomically: true, encoding: .utf8)
        let (path, cdir) = try RunTests.tempConfig()
        defer { try? FileManager.default.removeItem(atPath: cdir) }
        let yaml = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "path: \(Peers.root)/data/replay/sigil-scenarios.jsonl.gz", with: "path: \(dir)/rec.jsonl")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        #expect { try ConfigLoader.load(path: path, components: .bundled) } throws: { "\($0)".contains("not a recording") }
    }
}
