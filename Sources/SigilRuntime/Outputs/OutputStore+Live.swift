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
        public var feed: String
        public var chainId: UInt64
        public var log: EthLog
    }

    /// Commits processed events (the journal) with the outputs they caused; returns the
    /// outputs that were new.
    @discardableResult
    public func commit(feed: String, chainId: UInt64, events: [FeedEvent], outputs: [OutputRecord]) throws -> [OutputRecord] {
        guard !events.isEmpty || !outputs.isEmpty else { return [] }
        let fresh = try db.write { db in
            for e in events {
                let l = e.log
                try db.execute(sql: """
                    INSERT INTO events (feed, chain_id, block_number, block_hash, log_index, transaction_hash, transaction_index,
                        address, topics, data, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (chain_id, block_hash, log_index) DO UPDATE SET retracted = 0 WHERE retracted = 1
                    """, arguments: [feed, Int64(bitPattern: chainId), Int64(l.blockNumber), "\(l.blockHash)", Int64(l.logIndex),
                                     "\(l.transactionHash)", Int64(l.transactionIndex), "\(l.address)",
                                     l.topics.map { String("\($0)".dropFirst(2)) }.joined(), Data(l.data), e.event.payload.kind])
            }
            return try Self.insert(outputs, db)
        }
        append(fresh.map(\.json))
        return fresh
    }

    /// Moves a feed's checkpoint to a closed block (and saves the portfolio with it).
    public func checkpoint(feed: String, chainId: UInt64, block: UInt64, hash: Hash32, portfolio: PaperPortfolio?) throws {
        try db.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO checkpoints (feed, chain_id, block_number) VALUES (?, ?, ?)",
                           arguments: [feed, Int64(bitPattern: chainId), Int64(block)])
            try db.execute(sql: "INSERT OR REPLACE INTO blocks (feed, number, hash) VALUES (?, ?, ?)", arguments: [feed, Int64(block), "\(hash)"])
            if block % 64 == 0 {
                try db.execute(sql: "DELETE FROM blocks WHERE feed = ? AND number < ?", arguments: [feed, Int64(block) - 1_024])
            }
            if let portfolio { try Self.savePortfolio(portfolio, block: block, db) }
        }
    }

    /// A reorg: every event of `feed` above `toBlock` is marked retracted, every output one of
    /// them caused gets a recorded retraction (and a JSONL line), and the checkpoint moves
    /// back to `toBlock`. Returns how many events and outputs were retracted.
    @discardableResult
    public func rewind(feed: String, chainId: UInt64, toBlock: UInt64) throws -> (events: Int, outputs: Int) {
        let (events, lines) = try db.write { db -> (Int, [String]) in
            let above = Int64(toBlock)
            let chain = Int64(bitPattern: chainId)
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
                let obj: [String: Any] = [
                    "type": "retraction", "retracts": key, "retractedType": row["type"] as String, "strategy": row["strategy"] as String,
                    "reason": "reorg", "rewoundTo": toBlock,
                    "event": ["chainId": chainId, "blockNumber": row["block_number"] as Int64, "blockHash": row["block_hash"] as String,
                              "logIndex": row["log_index"] as Int64, "transactionHash": row["transaction_hash"] as String] as [String: Any],
                ]
                let line = String(decoding: try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys]), as: UTF8.self)
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
        append(lines)
        return (events, lines.count)
    }

    /// Stores off-chain trades once each (by coin and trade id); returns the events that were
    /// new, with every non-trade event (book tops are not stored).
    public func storeTrades(feed: String, _ events: [MarketEvent]) throws -> [MarketEvent] {
        try db.write { db in
            var fresh: [MarketEvent] = []
            for e in events {
                guard case .hlTrade(let coin, let takerBuys, let px, let sz, let time, let tid, let buyer, let seller) = e.payload else {
                    fresh.append(e)
                    continue
                }
                try db.execute(sql: """
                    INSERT OR IGNORE INTO trades (feed, coin, tid, time_ms, side, px, sz, hash, buyer, seller)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [feed, coin, Int64(bitPattern: tid), Int64(time), takerBuys ? "B" : "A", px, sz,
                                     "\(e.id.transactionHash)", "\(buyer)", "\(seller)"])
                if db.changesCount == 1 { fresh.append(e) }
            }
            return fresh
        }
    }

    /// The last stored trade of each coin of a feed.
    public func lastTrades(feed: String) throws -> [String: HyperliquidFeed.LastTrade] {
        try db.read { db in
            var out: [String: HyperliquidFeed.LastTrade] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT coin, tid, time_ms FROM trades t WHERE feed = ? AND time_ms = (SELECT MAX(time_ms) FROM trades WHERE feed = t.feed AND coin = t.coin)
                """, arguments: [feed]) {
                out[row["coin"]] = .init(tid: UInt64(bitPattern: row["tid"] as Int64), timeMs: UInt64(row["time_ms"] as Int64))
            }
            return out
        }
    }

    /// Records a gap a feed could not fill.
    public func recordGap(feed: String, _ gap: FeedGap) throws {
        try db.write { db in
            try db.execute(sql: "INSERT INTO gaps (feed, stream, last_before_ms, first_after_ms, reason) VALUES (?, ?, ?, ?, ?)",
                           arguments: [feed, gap.stream, Int64(gap.lastBeforeMs), Int64(gap.firstAfterMs), gap.reason])
        }
    }

    /// Every journaled event that stands (not retracted), in the order it was processed.
    public func journal() throws -> [JournalEntry] {
        try db.read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT feed, chain_id, block_number, block_hash, log_index, transaction_hash, transaction_index, address, topics, data
                FROM events WHERE retracted = 0 ORDER BY seq
                """)
            var out: [JournalEntry] = []
            while let row = try rows.next() {
                let topicsHex: String = row["topics"]
                var topics: [Hash32] = []
                var i = topicsHex.startIndex
                while i < topicsHex.endIndex {
                    let j = topicsHex.index(i, offsetBy: 64)
                    guard let t = Hash32(hex: "0x" + topicsHex[i..<j]) else { throw StoreError("journal: bad topics \(topicsHex)") }
                    topics.append(t)
                    i = j
                }
                guard let address = Address(hex: row["address"] as String), let blockHash = Hash32(hex: row["block_hash"] as String),
                      let tx = Hash32(hex: row["transaction_hash"] as String)
                else { throw StoreError("journal: a malformed row") }
                let data: Data = row["data"]
                let log = EthLog(address: address, topics: topics, data: [UInt8](data), blockNumber: UInt64(row["block_number"] as Int64),
                                 blockHash: blockHash, transactionHash: tx, transactionIndex: UInt32(row["transaction_index"] as Int64),
                                 logIndex: UInt32(row["log_index"] as Int64), removed: false)
                out.append(JournalEntry(feed: row["feed"], chainId: UInt64(bitPattern: row["chain_id"] as Int64), log: log))
            }
            return out
        }
    }

    /// Where each feed resumes: its checkpoint and the hashes of its recent blocks (closed
    /// blocks, and blocks of journaled events).
    public func resumePoints() throws -> [String: ChainResumePoint] {
        try db.read { db in
            var out: [String: ChainResumePoint] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT feed, block_number FROM checkpoints") {
                let feed: String = row["feed"]
                let checkpoint = UInt64(row["block_number"] as Int64)
                var known: [UInt64: Hash32] = [:]
                let floor = Int64(checkpoint) - 1_024
                for b in try Row.fetchAll(db, sql: "SELECT number, hash FROM blocks WHERE feed = ? AND number > ?", arguments: [feed, floor]) {
                    if let h = Hash32(hex: b["hash"] as String) { known[UInt64(b["number"] as Int64)] = h }
                }
                for b in try Row.fetchAll(db, sql: """
                    SELECT DISTINCT block_number, block_hash FROM events WHERE feed = ? AND block_number > ? AND retracted = 0
                    """, arguments: [feed, floor]) {
                    if let h = Hash32(hex: b["block_hash"] as String) { known[UInt64(b["block_number"] as Int64)] = h }
                }
                out[feed] = ChainResumePoint(checkpoint: checkpoint, knownHashes: known)
            }
            return out
        }
    }
}

/// A store whose contents are not what it wrote.
public struct StoreError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
