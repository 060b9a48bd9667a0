import Foundation
import GRDB
import SigilCore

/// Persists outputs: SQLite (WAL) is the record, keyed so that an output is stored once however
/// often its event is processed; each newly stored output is then appended to the JSONL file.
public final class OutputStore {
    let db: DatabaseQueue
    let jsonl: JSONLFile
    let lock: OutputLock
    var closed = false
    /// The sinks newly stored outputs are queued for (`notifications:`).
    public var notify: [SigilConfig.NotificationSink] = []
    public let sqlitePath: String
    public let jsonlPath: String

    public init(sqlitePath: String, jsonlPath: String) throws {
        try OutputPaths.check(sqlite: sqlitePath, jsonl: jsonlPath)
        try OutputPaths.createParent(of: sqlitePath, what: "sqlite output")
        try OutputPaths.createParent(of: jsonlPath, what: "jsonl output")
        // Before anything is written: one process owns a store.
        lock = try OutputLock(sqlitePath: sqlitePath)
        do {
            db = try SQLiteFile.open(sqlitePath)
        } catch {
            lock.release()
            throw StoreError("\(sqlitePath): cannot open the output database: \(error)")
        }
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE outputs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    key TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL,
                    strategy TEXT NOT NULL,
                    plugin TEXT NOT NULL,
                    pool TEXT,
                    severity TEXT,
                    chain_id INTEGER NOT NULL,
                    block_number INTEGER NOT NULL,
                    block_hash TEXT NOT NULL,
                    log_index INTEGER NOT NULL,
                    transaction_hash TEXT NOT NULL,
                    json TEXT NOT NULL
                );
                CREATE INDEX outputs_pool ON outputs(pool);
                """)
        }
        migrator.registerMigration("v2-portfolio") { db in
            try db.execute(sql: """
                CREATE TABLE positions (token TEXT PRIMARY KEY, balance REAL NOT NULL, mark REAL, block_number INTEGER NOT NULL);
                CREATE TABLE portfolio (id INTEGER PRIMARY KEY CHECK (id = 1), cash_token TEXT NOT NULL, initial_cash REAL NOT NULL,
                    equity REAL NOT NULL, pnl REAL NOT NULL, fills INTEGER NOT NULL, block_number INTEGER NOT NULL);
                """)
        }
        migrator.registerMigration("v3-live") { db in
            try db.execute(sql: """
                ALTER TABLE outputs ADD COLUMN retracted INTEGER NOT NULL DEFAULT 0;
                CREATE INDEX outputs_cause ON outputs(chain_id, block_hash, log_index);
                CREATE TABLE events (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    feed TEXT NOT NULL,
                    chain_id INTEGER NOT NULL,
                    block_number INTEGER NOT NULL,
                    block_hash TEXT NOT NULL,
                    log_index INTEGER NOT NULL,
                    transaction_hash TEXT NOT NULL,
                    transaction_index INTEGER NOT NULL,
                    address TEXT NOT NULL,
                    topics TEXT NOT NULL,
                    data BLOB NOT NULL,
                    kind TEXT NOT NULL,
                    retracted INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (chain_id, block_hash, log_index)
                );
                CREATE INDEX events_feed_block ON events(feed, block_number);
                CREATE TABLE checkpoints (feed TEXT PRIMARY KEY, chain_id INTEGER NOT NULL, block_number INTEGER NOT NULL);
                CREATE TABLE blocks (feed TEXT NOT NULL, number INTEGER NOT NULL, hash TEXT NOT NULL, PRIMARY KEY (feed, number));
                CREATE TABLE retractions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    output_key TEXT NOT NULL,
                    feed TEXT NOT NULL,
                    chain_id INTEGER NOT NULL,
                    block_number INTEGER NOT NULL,
                    block_hash TEXT NOT NULL,
                    log_index INTEGER NOT NULL,
                    rewound_to INTEGER NOT NULL
                );
                CREATE TABLE gaps (id INTEGER PRIMARY KEY AUTOINCREMENT, feed TEXT NOT NULL, stream TEXT NOT NULL,
                    last_before_ms INTEGER NOT NULL, first_after_ms INTEGER NOT NULL, reason TEXT NOT NULL);
                CREATE TABLE sink (seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);
                INSERT INTO sink (json) SELECT json FROM outputs ORDER BY id;
                """)
        }
        migrator.registerMigration("v4-trades") { db in
            try db.execute(sql: """
                CREATE TABLE trades (feed TEXT NOT NULL, coin TEXT NOT NULL, tid INTEGER NOT NULL, time_ms INTEGER NOT NULL,
                    side TEXT NOT NULL, px TEXT NOT NULL, sz TEXT NOT NULL, hash TEXT NOT NULL, buyer TEXT NOT NULL, seller TEXT NOT NULL,
                    PRIMARY KEY (feed, coin, tid));
                """)
        }
        migrator.registerMigration("v5-quarantine") { db in
            try db.execute(sql: """
                ALTER TABLE events ADD COLUMN quarantined INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE quarantine (id INTEGER PRIMARY KEY AUTOINCREMENT, event_seq INTEGER NOT NULL UNIQUE, feed TEXT,
                    block_number INTEGER, log_index INTEGER, reason TEXT NOT NULL, at REAL NOT NULL);
                """)
        }
        migrator.registerMigration("v6-snapshots") { db in
            try db.execute(sql: """
                CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, feed TEXT NOT NULL, block_number INTEGER NOT NULL, data BLOB NOT NULL,
                    at REAL NOT NULL);
                """)
        }
        migrator.registerMigration("v7-topic-words") { db in
            // Topics as raw 32-byte words, the way the chain has them, instead of hex text parsed
            // again at every rebuild. Rows written before keep their text (`topics`) and are read
            // from it; a row whose text is not hex stays unreadable, as it was.
            try db.execute(sql: "ALTER TABLE events ADD COLUMN topic_words BLOB")
            let rows = try Row.fetchCursor(db, sql: "SELECT seq, topics FROM events WHERE topics != ''")
            var converted: [(Int64, Data)] = []
            while let row = try rows.next() {
                guard let text = String.fromDatabaseValue(row["topics"] as DatabaseValue), let words = Self.topics(text) else { continue }
                converted.append((row["seq"], Data(words.flatMap(\.bytes))))
            }
            for (seq, words) in converted {
                try db.execute(sql: "UPDATE events SET topic_words = ?, topics = '' WHERE seq = ?", arguments: [words, seq])
            }
        }
        // The notification outbox: each newly stored output a sink wants, in the transaction
        // that stores it, until the sink takes it (NotificationSender).
        migrator.registerMigration("v8-notifications") { db in
            try db.execute(sql: """
                CREATE TABLE notifications (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    sink TEXT NOT NULL,
                    key TEXT NOT NULL,
                    body TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_at REAL NOT NULL DEFAULT 0,
                    failed INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    UNIQUE (sink, key)
                );
                CREATE INDEX notifications_due ON notifications (failed, next_at, id);
                CREATE TABLE notification_drops (sink TEXT PRIMARY KEY, dropped INTEGER NOT NULL);
                """)
        }
        do {
            try migrator.migrate(db)
            jsonl = try JSONLFile(path: jsonlPath)
        } catch {
            try? db.close()
            lock.release()
            throw error as? StoreError ?? StoreError("\(sqlitePath): \(error)")
        }
        self.sqlitePath = sqlitePath
        self.jsonlPath = jsonlPath
        do {
            try reconcileJSONL()
        } catch {
            try? db.close()
            lock.release()
            throw error
        }
    }

    deinit {
        if !closed {
            try? db.close()
            lock.release()
        }
    }

    /// Runs a write transaction; a failure (disk full, a read-only file) names the database.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.write(body)
        } catch let e as StoreError {
            throw e
        } catch {
            throw StoreError("\(sqlitePath): cannot write: \(error)")
        }
    }

    /// Stores `records` in one transaction; returns those that were new (and appended them
    /// to the JSONL file).
    @discardableResult
    public func store(_ records: [OutputRecord]) throws -> [OutputRecord] {
        guard !records.isEmpty else { return [] }
        let fresh = try write { db in try insert(records, db) }
        try append(fresh.map(\.line))
        return fresh.map(\.record)
    }

    /// Inserts outputs (an output retracted by a reorg and produced again is reinstated) and
    /// their JSONL lines; returns the new ones with their line (each output's JSON is built once).
    func insert(_ records: [OutputRecord], _ db: Database) throws -> [(record: OutputRecord, line: String)] {
        var fresh: [(record: OutputRecord, line: String)] = []
        guard !records.isEmpty else { return fresh }
        let output = try db.cachedStatement(sql: """
            INSERT INTO outputs (key, type, strategy, plugin, pool, severity, chain_id, block_number,
                block_hash, log_index, transaction_hash, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET retracted = 0 WHERE retracted = 1
            """)
        let sink = try db.cachedStatement(sql: "INSERT INTO sink (json) VALUES (?)")
        for r in records {
            var severity: String?
            if case .alert(let a) = r.body { severity = a.severity.rawValue }
            let c = r.cause
            let json = r.json
            try output.execute(arguments: [r.key, r.type, r.strategy, r.plugin, "\(r.pool)", severity, Int64(bitPattern: c.chainId),
                                           try Self.int64(c.blockNumber, "blockNumber"), "\(c.blockHash)", Int64(c.logIndex), "\(c.transactionHash)", json])
            if db.changesCount == 1 {
                fresh.append((r, json))
                try sink.execute(arguments: [json])
                for n in notify where n.accepts(r) { try Self.enqueue(r, json: json, for: n, db) }
            }
        }
        return fresh
    }

    /// Queues an output for a sink (its message built now, from the output), or counts it as
    /// dropped when the sink already has `queueLimit` waiting.
    static func enqueue(_ r: OutputRecord, json: String, for sink: SigilConfig.NotificationSink, _ db: Database) throws {
        let waiting = try Int.fetchOne(db, sql: "SELECT count(*) FROM notifications WHERE sink = ?", arguments: [sink.name]) ?? 0
        guard waiting < sink.queueLimit else {
            try db.execute(sql: """
                INSERT INTO notification_drops (sink, dropped) VALUES (?, 1)
                ON CONFLICT (sink) DO UPDATE SET dropped = dropped + 1
                """, arguments: [sink.name])
            return
        }
        try db.execute(sql: "INSERT OR IGNORE INTO notifications (sink, key, body) VALUES (?, ?, ?)",
                       arguments: [sink.name, r.key, NotificationMessage.body(r, json: json, for: sink)])
    }

    /// Appends lines to the JSONL file (after their transaction committed).
    func append(_ lines: [String]) throws {
        try jsonl.append(lines)
    }

    /// The JSONL file is written after each commit, so a process killed in between leaves it
    /// behind the database (or with half a line), and a file damaged from outside may have lost
    /// or repeated lines. On open it is reconciled with the database's sink, line by line.
    func reconcileJSONL() throws {
        // The common case, a file already level with the database, is settled without reading
        // either whole: same size in bytes, same last line.
        let (bytes, last) = try db.read { db -> (Int64, String?) in
            let bytes = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(length(CAST(json AS BLOB)) + 1), 0) FROM sink") ?? 0
            return (bytes, try String.fetchOne(db, sql: "SELECT json FROM sink ORDER BY seq DESC LIMIT 1"))
        }
        if try jsonl.isLevel(bytes: bytes, lastLine: last) { return }
        let expected = try db.read { db in try String.fetchAll(db, sql: "SELECT json FROM sink ORDER BY seq") }
        try jsonl.reconcile(with: expected, store: sqlitePath)
    }

    /// Saves the paper portfolio's positions and PnL (replacing the previous state).
    public func savePortfolio(_ p: PaperPortfolio, block: UInt64) throws {
        try write { db in try Self.savePortfolio(p, block: block, db) }
    }

    static func savePortfolio(_ p: PaperPortfolio, block: UInt64, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM positions")
        for (token, balance) in p.balances.sorted(by: { $0.key < $1.key }) {
            try db.execute(sql: "INSERT INTO positions (token, balance, mark, block_number) VALUES (?, ?, ?, ?)",
                           arguments: ["\(token)", balance, p.marks[token], Int64(clamping: block)])
        }
        try db.execute(sql: """
            INSERT OR REPLACE INTO portfolio (id, cash_token, initial_cash, equity, pnl, fills, block_number)
            VALUES (1, ?, ?, ?, ?, ?, ?)
            """, arguments: ["\(p.cashToken)", p.initialCash / p.cashScale, p.equity, p.pnl, p.fills, Int64(clamping: block)])
    }

    /// The saved portfolio row: equity, PnL and fills.
    public func savedPortfolio() throws -> (equity: Double, pnl: Double, fills: Int)? {
        try db.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT equity, pnl, fills FROM portfolio WHERE id = 1") else { return nil }
            return (row["equity"], row["pnl"], row["fills"])
        }
    }

    /// Outputs stored, by type.
    public func counts() throws -> [String: Int] {
        try db.read { db in
            var out: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT type, COUNT(*) AS n FROM outputs GROUP BY type") {
                out[row["type"]] = row["n"]
            }
            return out
        }
    }

    /// Flushes the JSONL file, closes the database and releases the store's lock.
    public func close() throws {
        guard !closed else { return }
        closed = true
        defer { lock.release() }
        try jsonl.sync()
        try db.close()
    }
}
