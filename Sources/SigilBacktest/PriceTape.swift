import Synchronization
public import SigilCore
public import SigilPluginAPI

/// Each pool's price at the end of every block it changed in, gathered from the run itself
/// (`Engine.poolObserver`): what the backtest marks signals and positions against. Bounded:
/// at most `maxPools` pools and `maxPoints` points per pool; what falls past them is counted.
public final class PriceTape: Sendable {
    public struct Point: Codable, Sendable, Hashable {
        public var block: UInt64
        /// token1 per token0, raw units.
        public var price: Double

        public init(block: UInt64, price: Double) {
            self.block = block
            self.price = price
        }
    }

    /// One pool's prices, oldest block first, and its swap fee as a fraction.
    public struct Series: Sendable {
        public var points: [Point] = []
        public var fee: Double
    }

    public static let maxPools = 4_096
    public static let maxPoints = 1_000_000

    struct State {
        var series: [Address: Series] = [:]
        var dropped = 0
    }

    let state = Mutex(State())

    public init() {}

    /// Notes a pool's price after an event; a block below the last one noted (a reorg) drops
    /// the points after it first.
    public func record(_ pool: PoolSnapshot) {
        guard let price = pool.price, price.isFinite, price > 0 else { return }
        let block = pool.lastBlock
        state.withLock { s in
            if s.series[pool.address] == nil {
                guard s.series.count < Self.maxPools else { s.dropped += 1; return }
                s.series[pool.address] = Series(fee: Double(pool.fee) / 1_000_000)
            }
            s.series[pool.address]!.fee = Double(pool.fee) / 1_000_000
            var points = s.series[pool.address]!.points
            s.series[pool.address]!.points = []  // keeps the array uniquely referenced while it changes
            while let last = points.last, last.block > block { points.removeLast() }
            if let last = points.last, last.block == block {
                points[points.count - 1].price = price
            } else if points.count < Self.maxPoints {
                points.append(Point(block: block, price: price))
            } else {
                s.dropped += 1
            }
            s.series[pool.address]!.points = points
        }
    }

    /// Every pool's series.
    public var series: [Address: Series] { state.withLock { $0.series } }

    /// The first and last block any price was noted at.
    public var span: ClosedRange<UInt64>? {
        state.withLock { s in
            let firsts = s.series.values.compactMap { $0.points.first?.block }, lasts = s.series.values.compactMap { $0.points.last?.block }
            guard let lo = firsts.min(), let hi = lasts.max(), hi >= lo else { return nil }
            return lo...hi
        }
    }

    /// Prices not kept because a bound was reached.
    public var dropped: Int { state.withLock { $0.dropped } }
}
