import Foundation
public import SigilCore
import Synchronization

/// What the live dashboard draws, kept as the run goes: the latest alerts and the latest other
/// outputs (each as its stored JSON, evidence included, alerts kept apart so that signals and
/// fills do not push them out), each pool's price at the close of every block that traded it, and
/// the paper equity at each closed block. Every part is bounded: a long run keeps the newest
/// outputs and a thinned history of each series (every other point dropped when one is full),
/// and at most `poolLimit` pools, the first to trade.
///
/// Readers (one per dashboard connection) take what changed since their `Cursor`.
public final class DashboardLog: Sendable {
    /// How much is kept.
    public struct Limits: Sendable {
        public var alerts = 100
        public var outputs = 200
        public var pools = 16
        public var pointsPerSeries = 512

        public init() {}
    }

    /// What one reader has been given so far.
    public struct Cursor: Sendable {
        var outputSeq: Int = 0
        var series: [String: (epoch: Int, sent: Int)] = [:]
        var version: Int = -1

        public init() {}
    }

    struct Series {
        var points: [(block: UInt64, value: Double)] = []
        /// Bumped when the series is thinned: its readers take it again from the start.
        var epoch = 0
        /// Keep one offered point in `stride` (doubled by each thinning).
        var stride = 1
        var offered = 0

        mutating func offer(_ block: UInt64, _ value: Double, limit: Int) {
            guard value.isFinite else { return }
            if let last = points.last, block <= last.block { return }  // a rewound block's again: the first close stands
            offered += 1
            guard offered % stride == 0 else { return }
            points.append((block, value))
            if points.count >= limit {
                points = points.enumerated().compactMap { $0.offset % 2 == 0 ? $0.element : nil }
                epoch += 1
                stride *= 2
            }
        }
    }

    struct State {
        var alerts: [(seq: Int, json: String)] = []
        var outputs: [(seq: Int, json: String)] = []
        var outputSeq = 0
        var prices: [Address: Series] = [:]
        var poolOrder: [Address] = []
        var poolsRefused = 0
        var equity = Series()
        var version = 0
    }

    public let limits: Limits
    let state = Mutex(State())

    public init(limits: Limits = Limits()) { self.limits = limits }

    /// Outputs just committed (oldest first).
    public func committed(_ records: [OutputRecord]) {
        guard !records.isEmpty else { return }
        let texts = records.map { r -> (alert: Bool, json: String) in
            if case .alert = r.body { (true, r.json) } else { (false, r.json) }
        }
        state.withLock { s in
            for t in texts {
                s.outputSeq += 1
                if t.alert { s.alerts.append((s.outputSeq, t.json)) } else { s.outputs.append((s.outputSeq, t.json)) }
            }
            if s.alerts.count > limits.alerts { s.alerts.removeFirst(s.alerts.count - limits.alerts) }
            if s.outputs.count > limits.outputs { s.outputs.removeFirst(s.outputs.count - limits.outputs) }
            s.version += 1
        }
    }

    /// A block closed: the price each pool traded in it closed at, and the paper equity.
    public func blockClosed(_ block: UInt64, prices: [Address: Double], equity: Double?) {
        guard !prices.isEmpty || equity != nil else { return }
        state.withLock { s in
            for (pool, price) in prices where price.isFinite {
                if s.prices[pool] == nil {
                    guard s.poolOrder.count < limits.pools else {
                        s.poolsRefused += 1
                        continue
                    }
                    s.poolOrder.append(pool)
                    s.prices[pool] = Series()
                }
                s.prices[pool]?.offer(block, price, limit: limits.pointsPerSeries)
            }
            if let equity { s.equity.offer(block, equity, limit: limits.pointsPerSeries) }
            s.version += 1
        }
    }

    /// What changed since `cursor` as one JSON object (`outputs`: new outputs, alerts among
    /// them, oldest first;
    /// `prices`: per pool, new points or, after a thinning, all of them with `reset`; `equity`
    /// likewise), moving the cursor on; nil when nothing did.
    public func update(since cursor: inout Cursor) -> String? {
        state.withLock { s in
            guard s.version != cursor.version else { return nil }
            cursor.version = s.version
            var w = JSONWriter(capacity: 4_096)
            w.open()
            w.key("equity")
            Self.write(s.equity, key: "equity", cursor: &cursor, into: &w)
            w.key("outputs")
            w.openArray()
            // Both rings are in commit order: merged by sequence number.
            var a = s.alerts.firstIndex { $0.seq > cursor.outputSeq } ?? s.alerts.endIndex
            var o = s.outputs.firstIndex { $0.seq > cursor.outputSeq } ?? s.outputs.endIndex
            while a < s.alerts.endIndex || o < s.outputs.endIndex {
                w.element()
                if o == s.outputs.endIndex || (a < s.alerts.endIndex && s.alerts[a].seq < s.outputs[o].seq) {
                    w.encoded(s.alerts[a].json)
                    a += 1
                } else {
                    w.encoded(s.outputs[o].json)
                    o += 1
                }
            }
            cursor.outputSeq = s.outputSeq
            w.closeArray()
            w.key("pools")
            w.uint(UInt64(s.poolOrder.count))
            w.key("poolsNotShown")
            w.uint(UInt64(s.poolsRefused))
            w.key("prices")
            w.openArray()
            for pool in s.poolOrder {
                guard let series = s.prices[pool] else { continue }
                w.element()
                w.open()
                w.key("pool")
                w.address(pool)
                w.key("series")
                Self.write(series, key: pool.description, cursor: &cursor, into: &w)
                w.close()
            }
            w.closeArray()
            w.close()
            return w.text
        }
    }

    /// `{"points":[[block,value],…],"reset":bool}`: the points `cursor` has not had.
    static func write(_ series: Series, key: String, cursor: inout Cursor, into w: inout JSONWriter) {
        let seen = cursor.series[key]
        let reset = seen?.epoch != series.epoch
        let from = reset ? 0 : min(seen?.sent ?? 0, series.points.count)
        cursor.series[key] = (series.epoch, series.points.count)
        w.open()
        w.key("points")
        w.openArray()
        for p in series.points[from...] {
            w.element()
            w.openArray()
            w.element()
            w.uint(p.block)
            w.element()
            w.double(p.value)
            w.closeArray()
        }
        w.closeArray()
        w.key("reset")
        w.bool(reset)
        w.close()
    }
}
