import AsyncHTTPClient
import Foundation
import GRDB
public import Logging
import NIOCore
import NIOHTTP1
public import ServiceLifecycle
import SigilCore
import Synchronization

/// Delivers the notification outbox (table `notifications`, filled in the transaction that
/// stores each output) to its sinks, at least once, in order per sink: a webhook gets a JSON POST
/// with an `Idempotency-Key` header (the output's key, also in the body) so it can drop repeats;
/// a Telegram chat gets `sendMessage`. A delivery is removed from the outbox only after the sink
/// answered 2xx, so a receiver that is down, a timeout, or a `kill -9` loses nothing: what waits
/// is retried with exponential backoff (a 429's `Retry-After` or Telegram's `retry_after`
/// honoured), by this run or the next on the same store. A sink that refuses a message outright
/// (another 4xx) has it marked failed, kept and counted, not retried.
public struct NotificationSender: Service {
    let sqlitePath: String
    let sinks: [String: SigilConfig.NotificationSink]
    let logger: Logger
    let metrics: RunMetrics?
    public let stats: Stats
    /// After a graceful shutdown, due deliveries are still tried for this long.
    let drain: Duration

    /// What this run delivered, per sink.
    public final class Stats: Sendable {
        let value = Mutex<[String: Counts]>([:])
        public init() {}
        public var counts: [String: Counts] { value.withLock { $0 } }
    }

    public struct Counts: Sendable, Equatable {
        public var delivered = 0
        public var retried = 0
        public var failed = 0
        /// Left in the outbox when the run ended (sent by the next run).
        public var waiting = 0
        /// Outputs not queued because the sink's queue was full (all runs).
        public var dropped = 0

        public init() {}
    }

    public init(sqlitePath: String, sinks: [SigilConfig.NotificationSink], logger: Logger, metrics: RunMetrics? = nil,
                stats: Stats = Stats(), drain: Duration = .seconds(3)) {
        self.sqlitePath = sqlitePath
        self.sinks = Dictionary(sinks.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.logger = logger
        self.metrics = metrics
        self.stats = stats
        self.drain = drain
    }

    struct Row {
        var id: Int64
        var sink: String
        var key: String
        var body: String
        var attempts: Int
    }

    enum Outcome {
        case delivered
        case retry(after: Double?, String)
        case refused(String)
    }

    public func run() async throws {
        // The run opens (and creates) the store; the outbox is read once it exists.
        while !FileManager.default.fileExists(atPath: sqlitePath) {
            guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL") }
        let db = try DatabaseQueue(path: sqlitePath, configuration: config)
        defer { try? db.close() }
        let stopping = Mutex<ContinuousClock.Instant?>(nil)
        let drain = self.drain
        /// Sinks that failed last time, so a run of failures is logged once, not per message.
        var down: Set<String> = []
        await withGracefulShutdownHandler {
            while true {
                if let end = stopping.withLock({ $0 }), ContinuousClock.now >= end { break }
                let now = Date().timeIntervalSince1970
                let rows = (try? await db.read { db in
                    try Row.fetchDue(db, now: now, sinks: Array(sinks.keys))
                }) ?? []
                if rows.isEmpty {
                    if stopping.withLock({ $0 }) != nil { break }
                    try? await Task.sleep(for: .milliseconds(200))
                    continue
                }
                var blocked: Set<String> = []  // a sink that failed waits for its backoff; its later rows too
                for row in rows where !blocked.contains(row.sink) {
                    guard let sink = sinks[row.sink] else { continue }
                    let outcome = await deliver(row, to: sink)
                    let counted: (inout Counts) -> Void
                    switch outcome {
                    case .delivered:
                        _ = try? await db.write { db in try db.execute(sql: "DELETE FROM notifications WHERE id = ?", arguments: [row.id]) }
                        counted = { $0.delivered += 1 }
                        if down.remove(sink.name) != nil { logger.warning("notifications \(sink.name): delivering again") }
                        metrics?.notification(sink: sink.name, outcome: "delivered")
                    case .retry(let after, let why):
                        blocked.insert(sink.name)
                        let wait = after.map { min(max($0, 0.1), 3_600) } ?? Self.backoff(attempts: row.attempts + 1)
                        _ = try? await db.write { db in
                            try db.execute(sql: "UPDATE notifications SET attempts = attempts + 1, next_at = ?, last_error = ? WHERE id = ?",
                                           arguments: [Date().timeIntervalSince1970 + wait, String(why.prefix(500)), row.id])
                        }
                        counted = { $0.retried += 1 }
                        if down.insert(sink.name).inserted {
                            logger.warning("notifications \(sink.name): \(why); retrying with backoff, nothing is dropped")
                        }
                        metrics?.notification(sink: sink.name, outcome: "retried")
                    case .refused(let why):
                        _ = try? await db.write { db in
                            try db.execute(sql: "UPDATE notifications SET failed = 1, attempts = attempts + 1, last_error = ? WHERE id = ?",
                                           arguments: [String(why.prefix(500)), row.id])
                        }
                        counted = { $0.failed += 1 }
                        logger.error("notifications \(sink.name): \(row.key) refused: \(why); kept in the outbox as failed")
                        metrics?.notification(sink: sink.name, outcome: "failed")
                    }
                    stats.value.withLock { counted(&$0[sink.name, default: Counts()]) }
                    if let end = stopping.withLock({ $0 }), ContinuousClock.now >= end { break }
                }
            }
        } onGracefulShutdown: {
            stopping.withLock { $0 = ContinuousClock.now + drain }
        }
        // What is left, for the summary.
        let left = (try? await db.read { db in
            (try Row.waiting(db), try Row.dropped(db))
        }) ?? ([:], [:])
        stats.value.withLock { counts in
            for name in sinks.keys {
                counts[name, default: Counts()].waiting = left.0[name] ?? 0
                counts[name, default: Counts()].dropped = left.1[name] ?? 0
            }
        }
    }

    /// Seconds before the next try after `attempts` failures: 0.5 s doubling to 5 minutes, ±20%.
    static func backoff(attempts: Int) -> Double {
        let base = min(300, 0.5 * pow(2, Double(min(attempts, 20) - 1)))
        return base * Double.random(in: 0.8...1.2)
    }

    /// Largest response body read from a sink.
    static let maxResponseBytes = 64 * 1024

    func deliver(_ row: Row, to sink: SigilConfig.NotificationSink) async -> Outcome {
        let url = sink.kind == .telegram ? "\(sink.url)/bot\(sink.token ?? "")/sendMessage" : sink.url
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "sigil")
        if sink.kind == .webhook { request.headers.add(name: "Idempotency-Key", value: row.key) }
        request.body = .bytes(ByteBuffer(string: row.body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(sink.timeout * 1_000)))
            let status = Int(response.status.code)
            let body = (try? await response.body.collect(upTo: Self.maxResponseBytes)).map { String(buffer: $0) } ?? ""
            switch status {
            case 200..<300:
                return .delivered
            case 408, 425, 429, 500...599:
                var after = response.headers.first(name: "Retry-After").flatMap(Double.init)
                if sink.kind == .telegram, let data = body.data(using: .utf8),
                   let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                   let p = obj["parameters"] as? [String: Any], let r = p["retry_after"] as? Double {
                    after = r
                }
                return .retry(after: after, "\(sink.shownURL) answered \(status)")
            default:
                return .refused("\(sink.shownURL) answered \(status): \(TerminalText.escaped(body.prefix(200)))")
            }
        } catch {
            // The error may name the URL, which for Telegram holds the token: say it without.
            var why = "\(error)"
            if let token = sink.token, !token.isEmpty { why = why.replacingOccurrences(of: token, with: "…") }
            return .retry(after: nil, "\(sink.shownURL) did not answer: \(TerminalText.escaped(why.prefix(200)))")
        }
    }
}

extension NotificationSender.Row {
    /// The next rows due, oldest first; a sink whose oldest waiting row is backing off gets
    /// none, so each sink receives its messages in the order they were queued.
    static func fetchDue(_ db: Database, now: Double, sinks: [String]) throws -> [Self] {
        let rows = try GRDB.Row.fetchAll(db, sql: """
            SELECT id, sink, key, body, attempts FROM notifications n
            WHERE failed = 0 AND next_at <= ?
              AND NOT EXISTS (SELECT 1 FROM notifications o WHERE o.sink = n.sink AND o.failed = 0 AND o.id < n.id AND o.next_at > ?)
            ORDER BY id LIMIT 64
            """, arguments: [now, now])
        return rows.compactMap { r in
            guard let sink: String = r["sink"], sinks.contains(sink) else { return nil }
            return Self(id: r["id"], sink: sink, key: r["key"], body: r["body"], attempts: r["attempts"])
        }
    }

    static func waiting(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try GRDB.Row.fetchAll(db, sql: "SELECT sink, count(*) AS n FROM notifications WHERE failed = 0 GROUP BY sink") {
            out[r["sink"]] = r["n"]
        }
        return out
    }

    static func dropped(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try GRDB.Row.fetchAll(db, sql: "SELECT sink, dropped FROM notification_drops") { out[r["sink"]] = r["dropped"] }
        return out
    }
}
