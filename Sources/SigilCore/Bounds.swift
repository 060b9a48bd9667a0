/// Limits on numbers that come from outside (nodes, exchanges, files), checked where they enter
/// so that arithmetic on them further in can neither overflow nor trap.
public enum Bounds {
    /// The largest block number accepted from a node or a recording: 2^53 − 1, exact in JSON
    /// doubles and in SQLite's signed 64-bit integers (mainnet is near 2^25).
    public static let maxBlockNumber: UInt64 = (1 << 53) - 1
    /// The largest exchange timestamp accepted, in milliseconds (the year 9999).
    public static let maxTimestampMs: UInt64 = 253_402_300_799_999
}

extension FixedWidthInteger where Self: UnsignedInteger {
    /// `self − other`, or zero when `other` is larger: for distances between values from
    /// outside (block numbers, times) that may arrive out of order.
    @inlinable
    public func subtractingSaturated(_ other: Self) -> Self { self >= other ? self - other : 0 }

    /// `self + other`, or `Self.max` when that would overflow.
    @inlinable
    public func addingSaturated(_ other: Self) -> Self {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? .max : sum
    }
}
