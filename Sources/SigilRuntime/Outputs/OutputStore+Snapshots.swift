public import Foundation
import GRDB

/// Engine snapshots: the engine's state after every journaled event up to `seq`, taken at a
/// closed block, so that a restart or a rewind restores the newest valid one and replays only
/// the journal after it. A rewind drops the snapshots that include a retracted event.
extension OutputStore {
    public struct StoredSnapshot: Sendable {
        /// The last journal entry the snapshot includes.
        public var seq: Int64
        public var feed: String
        /// The closed block it was taken at.
        public var block: UInt64
        public var data: Data
    }

    /// The newest journal sequence number (0 for an empty journal).
    public func journalSeq() throws -> Int64 {
        try db.read { try Int64.fetchOne($0, sql: "SELECT MAX(seq) FROM events") ?? 0 }
    }

    /// Journal entries (standing or not) of all feeds.
    public func journalCount() throws -> Int {
        try db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM events") ?? 0 }
    }

    /// Stores a snapshot and keeps the newest `keep`.
    public func saveSnapshot(seq: Int64, feed: String, block: UInt64, data: Data, keep: Int) throws {
        try write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO snapshots (seq, feed, block_number, data, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [seq, feed, try Self.int64(block, "snapshot block"), data, Date().timeIntervalSince1970])
            try db.execute(sql: "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)", arguments: [keep])
        }
    }

    /// The newest snapshot, if any.
    public func latestSnapshot() throws -> StoredSnapshot? {
        try db.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT seq, feed, block_number, data FROM snapshots ORDER BY seq DESC LIMIT 1") else { return nil }
            guard let seq = Int64.fromDatabaseValue(row["seq"] as DatabaseValue), let feed = String.fromDatabaseValue(row["feed"] as DatabaseValue),
                  let block = Int64.fromDatabaseValue(row["block_number"] as DatabaseValue).flatMap({ UInt64(exactly: $0) }),
                  let data = Data.fromDatabaseValue(row["data"] as DatabaseValue)
            else { throw StoreError("\(sqlitePath): a snapshot row is malformed") }
            return StoredSnapshot(seq: seq, feed: feed, block: block, data: data)
        }
    }

    /// Drops every snapshot (one that cannot be restored, or a configuration that changed).
    public func dropSnapshots() throws {
        try write { db in try db.execute(sql: "DELETE FROM snapshots") }
    }

    /// Deletes `feed`'s journal entries that the oldest kept snapshot includes and that lie
    /// below `block` (deeper than any reorg the feed expects): a restart never replays them
    /// again, so the journal stays as long as the snapshots reach back. Returns how many.
    @discardableResult
    public func pruneJournal(feed: String, below block: UInt64) throws -> Int {
        try write { db in
            guard let oldest = try Int64.fetchOne(db, sql: "SELECT MIN(seq) FROM snapshots") else { return 0 }
            try db.execute(sql: "DELETE FROM events WHERE feed = ? AND seq <= ? AND block_number < ?",
                           arguments: [feed, oldest, try Self.int64(block, "prune block")])
            return db.changesCount
        }
    }
}
