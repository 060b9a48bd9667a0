import Foundation
import GRDB
import SigilCore

/// Persists outputs: SQLite (WAL) is the record, keyed so that an output is stored once however
/// often its event is processed; each newly stored output is then appended to the JSONL file.
public final class OutputStore {
    let db: DatabaseQueue
    let jsonl: FileHandle
    public let sqlitePath: String
    public let jsonlPath: String

    public init(sqlitePath: String, jsonlPath: String) throws {
        for p in [sqlitePath, jsonlPath] {
            try FileManager.default.createDirectory(atPath: (p as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        db = try DatabaseQueue(path: sqlitePath, configuration: config)
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
        try migrator.migrate(db)
        if !FileManager.default.fileExists(atPath: jsonlPath), !FileManager.default.createFile(atPath: jsonlPath, contents: nil) {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: jsonlPath])
        }
        guard let handle = FileHandle(forWritingAtPath: jsonlPath) else { throw CocoaError(.fileWriteNoPermission) }
        try handle.seekToEnd()
        jsonl = handle
        self.sqlitePath = sqlitePath
        self.jsonlPath = jsonlPath
    }

    /// Stores `records` in one transaction; returns those that were new (and appended them
    /// to the JSONL file).
    @discardableResult
    public func store(_ records: [OutputRecord]) throws -> [OutputRecord] {
        guard !records.isEmpty else { return [] }
        let fresh = try db.write { db in
            var fresh: [OutputRecord] = []
            for r in records {
                var severity: String?
                if case .alert(let a) = r.body { severity = a.severity.rawValue }
                let c = r.cause
                try db.execute(sql: """
                    INSERT OR IGNORE INTO outputs (key, type, strategy, plugin, pool, severity, chain_id, block_number,
                        block_hash, log_index, transaction_hash, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [r.key, r.type, r.strategy, r.plugin, "\(r.pool)", severity, Int64(bitPattern: c.chainId), Int64(c.blockNumber),
                                     "\(c.blockHash)", Int64(c.logIndex), "\(c.transactionHash)", r.json])
                if db.changesCount == 1 { fresh.append(r) }
            }
            return fresh
        }
        if !fresh.isEmpty {
            jsonl.write(Data(fresh.map { $0.json + "\n" }.joined().utf8))
        }
        return fresh
    }

    /// Saves the paper portfolio's positions and PnL (replacing the previous state).
    public func savePortfolio(_ p: PaperPortfolio, block: UInt64) throws {
        try db.write { db in
            try db.execute(sql: "DELETE FROM positions")
            for (token, balance) in p.balances.sorted(by: { $0.key < $1.key }) {
                try db.execute(sql: "INSERT INTO positions (token, balance, mark, block_number) VALUES (?, ?, ?, ?)",
                               arguments: ["\(token)", balance, p.marks[token], Int64(block)])
            }
            try db.execute(sql: """
                INSERT OR REPLACE INTO portfolio (id, cash_token, initial_cash, equity, pnl, fills, block_number)
                VALUES (1, ?, ?, ?, ?, ?, ?)
                """, arguments: ["\(p.cashToken)", p.initialCash / p.cashScale, p.equity, p.pnl, p.fills, Int64(block)])
        }
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

    public func close() throws {
        try jsonl.synchronize()
        try jsonl.close()
        try db.close()
    }
}
