import Foundation
public import GRDB

/// How Sigil opens its SQLite files (outputs, the coordinator's ledger): the directory created,
/// WAL with `synchronous = NORMAL`, so a committed transaction survives the process being killed
/// at any moment (not a power cut, which may lose the last transactions).
public enum SQLiteFile {
    public static func open(_ path: String) throws -> DatabaseQueue {
        try OutputPaths.createParent(of: path, what: "database")
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL") }
        return try DatabaseQueue(path: path, configuration: config)
    }
}
