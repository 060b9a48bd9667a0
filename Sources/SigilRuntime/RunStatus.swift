import Foundation

/// A running bot's state as its HTTP API gives it (`GET /api/status`, what `sigil status`
/// prints): totals, each feed's health, the models running, the paper portfolio. Refreshed with
/// the metrics (every second live, about every second in a replay).
public struct RunStatus: Codable, Sendable, Equatable {
    public struct Feed: Codable, Sendable, Equatable {
        public var name: String
        public var state: String
        public var head: UInt64
        public var closed: UInt64
        public var lag: UInt64
        public var reconnects: Int
        public var rewinds: Int
        public var delivered: Int
        public var rejected: [String: Int]
        public var slowdowns: Int
        public var lastError: String?
    }

    public struct Model: Codable, Sendable, Equatable {
        public var id: String
        public var version: UInt64
        public var sha256: String
    }

    public struct Portfolio: Codable, Sendable, Equatable {
        public var fills: Int
        public var equity: Double
        public var pnl: Double
    }

    /// When the run started (seconds since 1970) and when this was taken.
    public var startedAt: Double
    public var takenAt: Double
    public var events = 0
    public var outputs = 0
    public var lastBlock: UInt64 = 0
    public var alerts: [String: Int] = [:]
    public var signals: [String: Int] = [:]
    public var vetoed = 0
    public var rejected: [String: Int] = [:]
    public var feeds: [Feed] = []
    public var models: [Model] = []
    public var portfolio: Portfolio?
    /// Feed items handed over and not yet handled, out of how many may wait (live runs).
    public var queueWaiting: Int?
    public var queueCapacity: Int?

    public init(startedAt: Double) {
        self.startedAt = startedAt
        takenAt = startedAt
    }
}
