import SigilCore

/// Reconnect delays: exponential from `initial`, capped at `maximum`, each with full jitter in
/// [delay/2, delay] so that many bots do not reconnect in step. A connection that stayed up
/// for `resetAfter` starts again from `initial`.
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    public var resetAfter: Duration
    var attempt = 0

    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(30), multiplier: Double = 2,
                resetAfter: Duration = .seconds(60)) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.resetAfter = resetAfter
    }

    /// The delay before the next attempt, after a connection that lasted `uptime`.
    public mutating func next(after uptime: Duration, random: inout some RandomNumberGenerator) -> Duration {
        if uptime >= resetAfter { attempt = 0 }
        var d = initial.secondsValue
        let cap = maximum.secondsValue
        for _ in 0..<min(attempt, 64) { d = min(d * multiplier, cap) }
        attempt += 1
        let jittered = d / 2 + Double.random(in: 0...(d / 2), using: &random)
        return .nanoseconds(Int64(jittered * 1e9))
    }
}
