import Foundation
import GRDB
import SigilChain
public import SigilCore
public import SigilFeeds

/// Group commit: what a run of feed items did (journaled events, the outputs they and the
/// closed blocks caused, each feed's checkpoint, the portfolio) committed in one transaction.
/// The transaction is the unit of durability: after `kill -9` either all of a batch is stored
/// or none of it, and the engine, a function of the journal, is rebuilt to match.
extension OutputStore {
    /// Effects waiting for one transaction, in the order they happened.
    public struct Batch {
        /// Events to journal, by feed, in processing order.
        var events: [(feed: String, chainId: UInt64, events: [FeedEvent])] = []
        /// Outputs to store, in the order they were produced.
        public internal(set) var outputs: [OutputRecord] = []
        /// Closed blocks, in order: each moves its feed's checkpoint and records the block's hash.
        var closed: [(feed: String, chainId: UInt64, block: UInt64, hash: Hash32)] = []
        /// The portfolio as of the last closed block (saved once per batch).
        var portfolio: (value: PaperPortfolio, block: UInt64)?
        /// Events waiting.
        public private(set) var eventCount = 0

        public init() {}

        public var isEmpty: Bool { events.isEmpty && outputs.isEmpty && closed.isEmpty && portfolio == nil }

        /// Adds processed events of one feed.
        public mutating func journal(feed: String, chainId: UInt64, _ fresh: [FeedEvent]) {
            guard !fresh.isEmpty else { return }
            eventCount += fresh.count
            if let last = events.last, last.feed == feed, last.chainId == chainId {
                events[events.count - 1].events += fresh
            } else {
                events.append((feed, chainId, fresh))
            }
        }

        /// Adds outputs to store.
        public mutating func store(_ records: [OutputRecord]) {
            outputs += records
        }

        /// Adds a closed block: the feed's checkpoint moves to it (with the portfolio).
        public mutating func close(feed: String, chainId: UInt64, block: UInt64, hash: Hash32, portfolio: PaperPortfolio?) {
            closed.append((feed, chainId, block, hash))
            if let portfolio { self.portfolio = (portfolio, block) }
        }

        /// Closed blocks waiting.
        public var closedCount: Int { closed.count }
    }

    /// Commits a batch in one transaction; returns the outputs that were new (appended to the
    /// JSONL file after the commit).
    @discardableResult
    public func commit(_ batch: Batch) throws -> [OutputRecord] {
        guard !batch.isEmpty else { return [] }
        let fresh = try write { db in
            for segment in batch.events { try Self.journal(feed: segment.feed, chainId: segment.chainId, segment.events, db) }
            let fresh = try insert(batch.outputs, db)
            try Self.close(batch.closed, db)
            if let p = batch.portfolio { try Self.savePortfolio(p.value, block: p.block, db) }
            return fresh
        }
        try append(fresh.map(\.line))
        return fresh.map(\.record)
    }

    /// Journals events (each once: a log journaled before is skipped, unless it was retracted
    /// and comes back, when it is journaled anew at the end).
    static func journal(feed: String, chainId: UInt64, _ events: [FeedEvent], _ db: Database) throws {
        guard !events.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO events (feed, chain_id, block_number, block_hash, log_index, transaction_hash, transaction_index,
                address, topics, topic_words, data, kind) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)
            ON CONFLICT (chain_id, block_hash, log_index) DO NOTHING
            """)
        let chain = Int64(bitPattern: chainId)
        for e in events {
            let l = e.log
            let arguments: StatementArguments = [
                feed, chain, try int64(l.blockNumber, "blockNumber"), "\(l.blockHash)", Int64(l.logIndex),
                "\(l.transactionHash)", Int64(l.transactionIndex), "\(l.address)",
                Data(l.topics.flatMap(\.bytes)), Data(l.data), e.event.payload.kind,
            ]
            try insert.execute(arguments: arguments)
            guard db.changesCount == 0 else { continue }
            // Journaled before: a retracted event delivered again (the chain came back to its
            // block) is journaled anew, at the end, so the journal's order stays the order of
            // processing, which snapshots rely on.
            let retracted = try db.cachedStatement(sql: "DELETE FROM events WHERE chain_id = ? AND block_hash = ? AND log_index = ? AND retracted = 1")
            try retracted.execute(arguments: [chain, "\(l.blockHash)", Int64(l.logIndex)])
            if db.changesCount > 0 { try insert.execute(arguments: arguments) }
        }
    }

    /// Moves checkpoints to closed blocks and records their hashes (the last 1,024 kept per feed).
    static func close(_ closed: [(feed: String, chainId: UInt64, block: UInt64, hash: Hash32)], _ db: Database) throws {
        guard !closed.isEmpty else { return }
        let block = try db.cachedStatement(sql: "INSERT OR REPLACE INTO blocks (feed, number, hash) VALUES (?, ?, ?)")
        var last: [String: (chainId: UInt64, block: Int64)] = [:]
        for c in closed {
            let number = try int64(c.block, "block")
            try block.execute(arguments: [c.feed, number, "\(c.hash)"])
            last[c.feed] = (c.chainId, number)
        }
        let checkpoint = try db.cachedStatement(sql: "INSERT OR REPLACE INTO checkpoints (feed, chain_id, block_number) VALUES (?, ?, ?)")
        let prune = try db.cachedStatement(sql: "DELETE FROM blocks WHERE feed = ? AND number < ?")
        for (feed, c) in last.sorted(by: { $0.key < $1.key }) {
            try checkpoint.execute(arguments: [feed, Int64(bitPattern: c.chainId), c.block])
            if closed.count > 1 || c.block % 64 == 0 { try prune.execute(arguments: [feed, c.block - 1_024]) }
        }
    }
}
