/// Durations counted in fixed log-scale buckets (16 per power of two of nanoseconds, so a
/// quantile is within 6.25% of the true value), from 1 ns to about two hours; longer ones land
/// in the last bucket. Fixed size however many durations are recorded.
public struct LatencyHistogram: Sendable, Equatable {
    static let subBuckets = 16
    static let powers = 40
    /// Counts by bucket: bucket `i` holds durations in `[lowerBound(i), lowerBound(i + 1))` ns.
    var counts = [UInt64](repeating: 0, count: powers * subBuckets)
    public private(set) var count: UInt64 = 0
    /// The largest duration recorded, exactly.
    public private(set) var maxNanoseconds: UInt64 = 0
    public private(set) var sumNanoseconds: UInt64 = 0

    public init() {}

    /// The bucket of `ns` nanoseconds.
    static func bucket(_ ns: UInt64) -> Int {
        if ns < UInt64(subBuckets) { return Int(ns) }
        let power = 63 - ns.leadingZeroBitCount          // ns ≥ 16: power ≥ 4
        let sub = Int((ns >> (power - 4)) & 15)           // the 4 bits below the leading one
        return min((power - 3) * subBuckets + sub, powers * subBuckets - 1)
    }

    /// The smallest duration of bucket `i`, in nanoseconds.
    static func lowerBound(_ i: Int) -> UInt64 {
        if i < subBuckets { return UInt64(i) }
        let power = i / subBuckets + 3, sub = UInt64(i % subBuckets)
        return (16 + sub) << (power - 4)
    }

    public mutating func record(nanoseconds ns: UInt64) {
        counts[Self.bucket(ns)] &+= 1
        count &+= 1
        maxNanoseconds = max(maxNanoseconds, ns)
        sumNanoseconds = sumNanoseconds.addingReportingOverflow(ns).overflow ? .max : sumNanoseconds + ns
    }

    public mutating func record(_ d: Duration) {
        let (s, atto) = d.components
        guard s >= 0, atto >= 0 else { return record(nanoseconds: 0) }
        let (whole, overflow) = UInt64(s).multipliedReportingOverflow(by: 1_000_000_000)
        record(nanoseconds: overflow ? .max : whole.addingReportingOverflow(UInt64(atto / 1_000_000_000)).partialValue)
    }

    /// The duration below which a share `q` (0…1) of the recorded ones lie: the midpoint of
    /// the bucket holding it (never above the largest recorded; the largest itself for the
    /// last one); nil when nothing is recorded.
    public func quantileNanoseconds(_ q: Double) -> UInt64? {
        guard count > 0 else { return nil }
        let rank = max(1, UInt64((min(max(q, 0), 1) * Double(count)).rounded(.up)))
        if rank >= count { return maxNanoseconds }
        var seen: UInt64 = 0
        for (i, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank {
                let low = Self.lowerBound(i), high = i + 1 < counts.count ? Self.lowerBound(i + 1) : low
                return min(low + (high - low) / 2, maxNanoseconds)
            }
        }
        return maxNanoseconds
    }

    /// Adds another histogram's counts.
    public mutating func merge(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] &+= other.counts[i] }
        count &+= other.count
        maxNanoseconds = max(maxNanoseconds, other.maxNanoseconds)
        let (sum, overflow) = sumNanoseconds.addingReportingOverflow(other.sumNanoseconds)
        sumNanoseconds = overflow ? .max : sum
    }

    /// "p50 120 µs, p99 480 µs, max 2.1 ms (n 3,112)", or "none".
    public var description: String {
        guard let p50 = quantileNanoseconds(0.5), let p99 = quantileNanoseconds(0.99) else { return "none" }
        return "p50 \(Self.format(p50)), p99 \(Self.format(p99)), max \(Self.format(maxNanoseconds)) (n \(count))"
    }

    /// A duration in the unit that suits it.
    public static func format(_ ns: UInt64) -> String {
        switch ns {
        case ..<10_000: "\(ns / 1_000).\(ns % 1_000 / 100) µs"
        case ..<10_000_000: "\(ns / 1_000) µs"
        case ..<10_000_000_000: "\(ns / 1_000_000) ms"
        default: "\(ns / 1_000_000_000) s"
        }
    }
}
