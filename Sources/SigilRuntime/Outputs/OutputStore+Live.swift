import Foundation
import GRDB
public import SigilChain
public import SigilCore
public import SigilFeeds

/// The live feeds' durable state, kept in the same database as the outputs so that one
/// transaction covers an event, the outputs it caused and the checkpoint: after `kill -9` the
/// journal, the outputs and the checkpoint agree, whatever the moment.
extension OutputStore {
    /// One processed chain event as the journal keeps it: the log, exactly as the chain has it.
    public struct JournalEntry: Sendable {
        /// The entry's place in the journal.
        public var seq: Int64
        public var feed: String
        public var chainId: UInt64
        public var log: EthLog
    }

    /// Commits processed events (the journal) with the outputs they caused; returns the
    /// outputs that were new.
    @discardableResult
    public func commit(feed: String, chainId: UInt64, events: [FeedEvent], outputs: [OutputRecord]) throws -> [OutputRecord] {
        var batch = Batch()
        batch.journal(feed: feed, chainId: chainId, events)
        batch.store(outputs)
        return try commit(batch)
    }

    /// Sets aside a feed's journal, checkpoint and block hashes (a replay starting afresh); its
    /// stored outputs stay.
    public func forget(feed: String) throws {
        try write { db in
            for table in ["events", "checkpoints", "blocks"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE feed = ?", arguments: [feed])
            }
            // Every snapshot covers the feed's events too.
            try db.execute(sql: "DELETE FROM snapshots")
        }
    }

    /// Moves a feed's checkpoint to a closed block (and saves the portfolio with it).
    public func checkpoint(feed: String, chainId: UInt64, block: UInt64, hash: Hash32, portfolio: PaperPortfolio?) throws {
        var batch = Batch()
        batch.close(feed: feed, chainId: chainId, block: block, hash: hash, portfolio: portfolio)
        try commit(batch)
    }

    /// A reorg: every event of `feed` above `toBlock` is marked retracted, every output one of
    /// them caused gets a recorded retraction (and a JSONL line), and the checkpoint moves
    /// back to `toBlock`. Returns how many events and outputs were retracted.
    @discardableResult
    public func rewind(feed: String, chainId: UInt64, toBlock: UInt64) throws -> (events: Int, outputs: Int) {
        let (events, lines) = try write { db -> (Int, [String]) in
            let above = try Self.int64(toBlock, "rewind target")
            let chain = Int64(bitPattern: chainId)
            // Snapshots that include a retracted event no longer describe the chain.
            if let first = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM events WHERE feed = ? AND chain_id = ? AND block_number > ? AND retracted = 0",
                                              arguments: [feed, chain, above]) {
                try db.execute(sql: "DELETE FROM snapshots WHERE seq >= ?", arguments: [first])
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT o.key, o.type, o.strategy, o.block_number, o.block_hash, o.log_index, o.transaction_hash, e.feed
                FROM outputs o JOIN events e ON e.chain_id = o.chain_id AND e.block_hash = o.block_hash AND e.log_index = o.log_index
                WHERE e.feed = ? AND e.chain_id = ? AND e.block_number > ? AND e.retracted = 0 AND o.retracted = 0
                ORDER BY o.id
                """, arguments: [feed, chain, above])
            var lines: [String] = []
            for row in rows {
                let key: String = row["key"]
                try db.execute(sql: "UPDATE outputs SET retracted = 1 WHERE key = ?", arguments: [key])
                try db.execute(sql: """
                    INSERT INTO retractions (output_key, feed, chain_id, block_number, block_hash, log_index, rewound_to)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [key, feed, chain, row["block_number"], row["block_hash"], row["log_index"], above])
                let (number, hash, index, tx): (Int64, String, Int64, String) = (row["block_number"], row["block_hash"], row["log_index"], row["transaction_hash"])
                var w = JSONWriter()
                w.object([("type", .string("retraction")), ("key", .string("retraction:\(db.lastInsertedRowID)")), ("retracts", .string(key)),
                          ("retractedType", .string(row["type"])), ("strategy", .string(row["strategy"])), ("reason", .string("reorg")),
                          ("rewoundTo", .uint(toBlock)),
                          ("event", .object { w in
                              w.object([("chainId", .uint(chainId)), ("blockNumber", .int(number)), ("blockHash", .string(hash)),
                                        ("logIndex", .int(index)), ("transactionHash", .string(tx))])
                          })])
                let line = w.text
                try db.execute(sql: "INSERT INTO sink (json) VALUES (?)", arguments: [line])
                lines.append(line)
            }
            try db.execute(sql: "UPDATE events SET retracted = 1 WHERE feed = ? AND chain_id = ? AND block_number > ? AND retracted = 0",
                           arguments: [feed, chain, above])
            let events = db.changesCount
            try db.execute(sql: "DELETE FROM blocks WHERE feed = ? AND number > ?", arguments: [feed, above])
            try db.execute(sql: "UPDATE checkpoints SET block_number = ? WHERE feed = ? AND block_number > ?", arguments: [above, feed, above])
            return (events, lines)
        }
        try append(lines)
        return (events, lines.count)
    }

    /// Stores off-chain trades once each (by coin and trade id); returns the events that were
    /// new, with every non-trade event (book tops are not stored).
    public func storeTrades(feed: String, _ events: [MarketEvent]) throws -> [MarketEvent] {
        try write { db in
            var fresh: [MarketEvent] = []
            for e in events {
                guard case .hlTrade(let coin, let takerBuys, let px, let sz, let time, let tid, let buyer, let seller) = e.payload else {
                    fresh.append(e)
                    continue
                }
                try db.execute(sql: """
                    INSERT OR IGNORE INTO trades (feed, coin, tid, time_ms, side, px, sz, hash, buyer, seller)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [feed, coin, Int64(bitPattern: tid), try Self.int64(time, "trade time"), takerBuys ? "B" : "A", px, sz,
                                     "\(e.id.transactionHash)", "\(buyer)", "\(seller)"])
                if db.changesCount == 1 { fresh.append(e) }
            }
            return fresh
        }
    }

    /// The last stored trade of each coin of a feed (where an off-chain feed resumes).
    public func lastTrades(feed: String) throws -> [String: StreamCursor] {
        try db.read { db in
            var out: [String: StreamCursor] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT coin, tid, time_ms FROM trades t WHERE feed = ? AND time_ms = (SELECT MAX(time_ms) FROM trades WHERE feed = t.feed AND coin = t.coin)
                """, arguments: [feed]) {
                guard let coin = String.fromDatabaseValue(row["coin"] as DatabaseValue),
                      let tid = Int64.fromDatabaseValue(row["tid"] as DatabaseValue),
                      let time = Int64.fromDatabaseValue(row["time_ms"] as DatabaseValue).flatMap({ UInt64(exactly: $0) })
                else { continue }
                out[coin] = StreamCursor(id: UInt64(bitPattern: tid), timeMs: time)
            }
            return out
        }
    }

    /// Records a gap a feed could not fill.
    public func recordGap(feed: String, _ gap: FeedGap) throws {
        try write { db in
            try db.execute(sql: "INSERT INTO gaps (feed, stream, last_before_ms, first_after_ms, reason) VALUES (?, ?, ?, ?, ?)",
                           arguments: [feed, gap.stream, Int64(clamping: gap.lastBeforeMs), Int64(clamping: gap.firstAfterMs), gap.reason])
        }
    }

    /// A journal row that cannot be read back as a log (a corrupt or hand-edited store).
    public struct UnreadableEntry: Sendable {
        public var seq: Int64
        public var feed: String?
        public var chainId: UInt64?
        public var blockNumber: UInt64?
        public var logIndex: UInt32?
        public var reason: String
    }

    /// Every journaled event after `seq` that stands (not retracted, not quarantined), in the
    /// order it was processed, and the rows that could not be read back.
    public func journal(after seq: Int64 = 0) throws -> (entries: [JournalEntry], unreadable: [UnreadableEntry]) {
        try db.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT seq, feed, chain_id, block_number, block_hash, log_index, transaction_hash, transaction_index, address, topics, topic_words, data
                FROM events WHERE seq > ? AND retracted = 0 AND quarantined = 0 ORDER BY seq
                """, arguments: [seq])
            var out: [JournalEntry] = []
            var bad: [UnreadableEntry] = []
            while let row = try rows.next() {
                let seq = Int64.fromDatabaseValue(row["seq"] as DatabaseValue) ?? 0
                let feed = String.fromDatabaseValue(row["feed"] as DatabaseValue)
                let chain = Int64.fromDatabaseValue(row["chain_id"] as DatabaseValue).map { UInt64(bitPattern: $0) }
                let block = Int64.fromDatabaseValue(row["block_number"] as DatabaseValue).flatMap { UInt64(exactly: $0) }
                let logIndex = Int64.fromDatabaseValue(row["log_index"] as DatabaseValue).flatMap { UInt32(exactly: $0) }
                let txIndex = Int64.fromDatabaseValue(row["transaction_index"] as DatabaseValue).flatMap { UInt32(exactly: $0) }
                func unreadable(_ reason: String) {
                    bad.append(UnreadableEntry(seq: seq, feed: feed, chainId: chain, blockNumber: block, logIndex: logIndex, reason: reason))
                }
                guard let feed, let chain, let block, block <= Bounds.maxBlockNumber, let logIndex, let txIndex else {
                    unreadable("a field is missing or out of range")
                    continue
                }
                let topics: [Hash32]
                if let words = Data.fromDatabaseValue(row["topic_words"] as DatabaseValue) {
                    guard let t = Self.topics(words: words) else {
                        unreadable("topics are not whole 32-byte words")
                        continue
                    }
                    topics = t
                } else {
                    guard let text = String.fromDatabaseValue(row["topics"] as DatabaseValue), let t = Self.topics(text) else {
                        unreadable("topics are not whole 32-byte hex words")
                        continue
                    }
                    topics = t
                }
                guard let address = String.fromDatabaseValue(row["address"] as DatabaseValue).flatMap({ Address(hex: $0) }),
                      let blockHash = String.fromDatabaseValue(row["block_hash"] as DatabaseValue).flatMap({ Hash32(hex: $0) }),
                      let tx = String.fromDatabaseValue(row["transaction_hash"] as DatabaseValue).flatMap({ Hash32(hex: $0) }),
                      let data = Data.fromDatabaseValue(row["data"] as DatabaseValue)
                else {
                    unreadable("address, hashes or data are malformed")
                    continue
                }
                let log = EthLog(address: address, topics: topics, data: [UInt8](data), blockNumber: block, blockHash: blockHash,
                                 transactionHash: tx, transactionIndex: txIndex, logIndex: logIndex, removed: false)
                out.append(JournalEntry(seq: seq, feed: feed, chainId: chain, log: log))
            }
            return (out, bad)
        }
    }

    /// Topics stored as raw words: at most four, 32 bytes each.
    static func topics(words: Data) -> [Hash32]? {
        guard words.count % 32 == 0, words.count <= 4 * 32 else { return nil }
        let bytes = [UInt8](words)
        return stride(from: 0, to: bytes.count, by: 32).compactMap { Hash32(bytes: bytes[$0..<($0 + 32)]) }
    }

    /// Topics stored as hex text (stores written before v7).
    static func topics(_ hex: String) -> [Hash32]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 64 == 0, utf8.count <= 4 * 64 else { return nil }
        var out: [Hash32] = []
        for i in stride(from: 0, to: utf8.count, by: 64) {
            guard let h = Hash32(hex: "0x" + String(decoding: utf8[i..<(i + 64)], as: UTF8.self)) else { return nil }
            out.append(h)
        }
        return out
    }

    /// Sets a journal entry aside for good: it is no longer replayed, the quarantine table says
    /// why, and `alert` (when given) is stored as an output.
    public func quarantine(seq: Int64, feed: String?, blockNumber: UInt64?, logIndex: UInt32?, reason: String,
                           alert: OutputRecord?) throws -> [OutputRecord] {
        let fresh = try write { db -> [(record: OutputRecord, line: String)] in
            try db.execute(sql: "UPDATE events SET quarantined = 1 WHERE seq = ?", arguments: [seq])
            try db.execute(sql: """
                INSERT OR IGNORE INTO quarantine (event_seq, feed, block_number, log_index, reason, at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [seq, feed, blockNumber.flatMap { Int64(exactly: $0) }, logIndex.map { Int64($0) }, reason,
                                 Date().timeIntervalSince1970])
            return try alert.map { try insert([$0], db) } ?? []
        }
        try append(fresh.map(\.line))
        return fresh.map(\.record)
    }

    /// How many journal entries were quarantined.
    public func quarantined() throws -> Int {
        try db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM quarantine") ?? 0 }
    }

    /// Where each feed resumes: its checkpoint and the hashes of its recent blocks (closed
    /// blocks, and blocks of journaled events).
    /// Each chain feed's checkpoint with its chain id.
    public func checkpoints() throws -> [(feed: String, chainId: UInt64, block: UInt64)] {
        try db.read { db in
            try Row.fetchAll(db, sql: "SELECT feed, chain_id, block_number FROM checkpoints ORDER BY feed").map { row in
                guard let feed = String.fromDatabaseValue(row["feed"] as DatabaseValue),
                      let chain = Int64.fromDatabaseValue(row["chain_id"] as DatabaseValue),
                      let block = Int64.fromDatabaseValue(row["block_number"] as DatabaseValue).flatMap({ UInt64(exactly: $0) })
                else { throw StoreError("\(sqlitePath): a checkpoint row is malformed") }
                return (feed, UInt64(bitPattern: chain), block)
            }
        }
    }

    public func resumePoints() throws -> [String: ChainResumePoint] {
        try db.read { db in
            var out: [String: ChainResumePoint] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT feed, block_number FROM checkpoints") {
                guard let feed = String.fromDatabaseValue(row["feed"] as DatabaseValue),
                      let checkpoint = Int64.fromDatabaseValue(row["block_number"] as DatabaseValue).flatMap({ UInt64(exactly: $0) }),
                      checkpoint <= Bounds.maxBlockNumber
                else { throw StoreError("\(sqlitePath): a checkpoint row is malformed") }
                var known: [UInt64: Hash32] = [:]
                let floor = Int64(checkpoint) - 1_024
                for b in try Row.fetchAll(db, sql: "SELECT number, hash FROM blocks WHERE feed = ? AND number > ?", arguments: [feed, floor]) {
                    if let h = String.fromDatabaseValue(b["hash"] as DatabaseValue).flatMap({ Hash32(hex: $0) }),
                       let n = Int64.fromDatabaseValue(b["number"] as DatabaseValue).flatMap({ UInt64(exactly: $0) }) { known[n] = h }
                }
                for b in try Row.fetchAll(db, sql: """
                    SELECT DISTINCT block_number, block_hash FROM events WHERE feed = ? AND block_number > ? AND retracted = 0 AND quarantined = 0
                    """, arguments: [feed, floor]) {
                    if let h = String.fromDatabaseValue(b["block_hash"] as DatabaseValue).flatMap({ Hash32(hex: $0) }),
                       let n = Int64.fromDatabaseValue(b["block_number"] as DatabaseValue).flatMap({ UInt64(exactly: $0) }) { known[n] = h }
                }
                out[feed] = ChainResumePoint(checkpoint: checkpoint, knownHashes: known)
            }
            return out
        }
    }
}

extension OutputStore {
    /// A value from outside as SQLite's signed integer; one that does not fit is an error, not a trap.
    static func int64(_ v: UInt64, _ what: String) throws -> Int64 {
        guard let i = Int64(exactly: v) else { throw StoreError("\(what) \(v) does not fit a 64-bit signed integer") }
        return i
    }
}

/// An output store that cannot be opened, written or read as it should: the message names the
/// file and the reason.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}
