import Foundation
import GRDB
public import SigilCore
import SigilRuntime

/// The coordinator's record (SQLite, WAL): every submission once, with its verdict and reward.
/// A contributor's nonce can be used once: a unique index over (contributor, nonce) among
/// signed submissions makes that hold under concurrent submissions too.
public final class Ledger: Sendable {
    let db: DatabaseQueue

    public init(path: String) throws {
        db = try SQLiteFile.open(path)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE submissions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    received_at REAL NOT NULL,
                    contributor TEXT,
                    nonce TEXT,
                    signed INTEGER NOT NULL,
                    model_id TEXT,
                    base_version INTEGER,
                    new_hash TEXT,
                    verdict TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    base_loss REAL,
                    new_loss REAL,
                    improvement REAL,
                    reward REAL NOT NULL DEFAULT 0
                );
                CREATE UNIQUE INDEX submissions_nonce ON submissions(contributor, nonce) WHERE signed = 1;
                """)
        }
        migrator.registerMigration("v2-published") { db in
            try db.execute(sql: "ALTER TABLE submissions ADD COLUMN published_version INTEGER; ALTER TABLE submissions ADD COLUMN tx_hash TEXT")
        }
        try migrator.migrate(db)
    }

    /// Claims a signed contributor's nonce: true when it was free (a pending row now holds it).
    func claim(contributor: Address, nonce: String) async throws -> Int64? {
        try await db.write { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO submissions (received_at, contributor, nonce, signed, verdict, detail) VALUES (?, ?, ?, 1, 'pending', '')
                """, arguments: [Date().timeIntervalSince1970, "\(contributor)", nonce])
            return db.changesCount == 1 ? db.lastInsertedRowID : nil
        }
    }

    /// Records a verdict: completes a claimed row, or adds one (an unsigned or replayed submission).
    @discardableResult
    func record(_ v: Verdict, claimed: Int64?, newHash: Hash32?) async throws -> Int64 {
        try await db.write { db in
            let args: [(any DatabaseValueConvertible)?] = [v.contributor.map { "\($0)" }, v.nonce, v.modelId.map { "\($0)" },
                                                           v.baseVersion.map { Int64($0) }, newHash.map { "\($0)" }, v.reason.rawValue, v.detail,
                                                           v.baseLoss, v.newLoss, v.improvement, v.reward,
                                                           v.publishedVersion.map { Int64($0) }, v.transactionHash.map { "\($0)" }]
            if let id = claimed {
                try db.execute(sql: """
                    UPDATE submissions SET contributor = ?, nonce = ?, model_id = ?, base_version = ?, new_hash = ?, verdict = ?, detail = ?,
                        base_loss = ?, new_loss = ?, improvement = ?, reward = ?, published_version = ?, tx_hash = ? WHERE id = ?
                    """, arguments: StatementArguments(args + [id]))
                return id
            }
            try db.execute(sql: """
                INSERT INTO submissions (received_at, contributor, nonce, signed, model_id, base_version, new_hash, verdict, detail,
                    base_loss, new_loss, improvement, reward, published_version, tx_hash) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: StatementArguments([Date().timeIntervalSince1970] + args))
            return db.lastInsertedRowID
        }
    }

    /// One row of the ledger.
    public struct Entry: Sendable, Hashable {
        public var id: Int64
        public var contributor: String?
        public var nonce: String?
        public var verdict: String
        public var detail: String
        public var baseLoss: Double?
        public var newLoss: Double?
        public var improvement: Double?
        public var reward: Double
        public var publishedVersion: Int64?
        public var transactionHash: String?
    }

    /// Submissions, newest first; of one contributor when given.
    public func entries(contributor: Address? = nil) throws -> [Entry] {
        try db.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM submissions WHERE (? IS NULL OR contributor = ?) ORDER BY id DESC
                """, arguments: [contributor.map { "\($0)" }, contributor.map { "\($0)" }])
            return rows.map(Self.entry)
        }
    }

    /// Rows per page of a listing, by default and at most.
    public static let defaultPage = 100
    public static let maxPage = 1_000

    /// One page of submissions, newest first: those with an id below `before` (all when nil),
    /// of one contributor when given; `next` is the `before` of the following page. Read off the
    /// caller's thread (GRDB's own queue), so listings never stall the server's other work.
    public func page(contributor: Address?, before: Int64?, limit: Int) async throws -> (entries: [Entry], next: Int64?) {
        let limit = min(max(limit, 1), Self.maxPage)
        let who = contributor.map { "\($0)" }
        let rows = try await db.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM submissions WHERE (? IS NULL OR contributor = ?) AND (? IS NULL OR id < ?) ORDER BY id DESC LIMIT ?
                """, arguments: [who, who, before, before, limit + 1]).map(Self.entry)
        }
        let more = rows.count > limit
        let entries = Array(rows.prefix(limit))
        return (entries, more ? entries.last?.id : nil)
    }

    static func entry(_ r: Row) -> Entry {
        Entry(id: r["id"], contributor: r["contributor"], nonce: r["nonce"], verdict: r["verdict"], detail: r["detail"],
              baseLoss: r["base_loss"], newLoss: r["new_loss"], improvement: r["improvement"], reward: r["reward"],
              publishedVersion: r["published_version"], transactionHash: r["tx_hash"])
    }

    /// `totals()` read off the caller's thread.
    public func totalsAsync() async throws -> (submissions: Int, accepted: Int, rewards: Double) {
        try await db.read { db in try Self.totals(db) }
    }

    /// Totals: submissions, accepted ones, rewards paid.
    public func totals() throws -> (submissions: Int, accepted: Int, rewards: Double) {
        try db.read { db in try Self.totals(db) }
    }

    static func totals(_ db: Database) throws -> (submissions: Int, accepted: Int, rewards: Double) {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT COUNT(*) AS n, COALESCE(SUM(verdict = 'accepted'), 0) AS a, COALESCE(SUM(reward), 0) AS r FROM submissions
            """) else { return (0, 0, 0) }
        return (row["n"], row["a"], row["r"])
    }
}
