/// An unsigned 256-bit integer held inline (no heap), as Ethereum stores amounts.
///
/// Only what the feed path needs lives here: exact construction from ABI words, comparison,
/// decimal printing and a `Double` view for features. Arithmetic for pool maths is added where
/// it is used.
public struct UInt256: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Little-endian 64-bit limbs: `limbs.0` is the least significant.
    public var l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64

    public init(l0: UInt64, l1: UInt64, l2: UInt64, l3: UInt64) { self.l0 = l0; self.l1 = l1; self.l2 = l2; self.l3 = l3 }
    public init(_ v: UInt64) { self.init(l0: v, l1: 0, l2: 0, l3: 0) }

    public static let zero = UInt256(0)
    public static let max = UInt256(l0: .max, l1: .max, l2: .max, l3: .max)

    /// Builds the value from a 32-byte big-endian ABI word.
    public init(word: Hash32) { self.init(l0: word.w3, l1: word.w2, l2: word.w1, l3: word.w0) }

    /// The 32-byte big-endian ABI word of this value.
    public var word: Hash32 { Hash32(w0: l3, w1: l2, w2: l1, w3: l0) }

    /// True when the value is zero.
    public var isZero: Bool { l0 | l1 | l2 | l3 == 0 }

    /// The number of significant bits (0 for zero).
    public var bitWidth: Int {
        if l3 != 0 { return 256 - l3.leadingZeroBitCount }
        if l2 != 0 { return 192 - l2.leadingZeroBitCount }
        if l1 != 0 { return 128 - l1.leadingZeroBitCount }
        return 64 - l0.leadingZeroBitCount
    }

    /// The nearest `Double` (rounded toward zero past 53 bits).
    public var doubleValue: Double {
        let t64 = 18446744073709551616.0
        return ((Double(l3) * t64 + Double(l2)) * t64 + Double(l1)) * t64 + Double(l0)
    }

    /// Divides in place by a small divisor and returns the remainder.
    mutating func divide(by d: UInt64) -> UInt64 {
        var r: UInt64 = 0
        var q3: UInt64 = 0, q2: UInt64 = 0, q1: UInt64 = 0, q0: UInt64 = 0
        (q3, r) = d.dividingFullWidth((r, l3))
        (q2, r) = d.dividingFullWidth((r, l2))
        (q1, r) = d.dividingFullWidth((r, l1))
        (q0, r) = d.dividingFullWidth((r, l0))
        self = UInt256(l0: q0, l1: q1, l2: q2, l3: q3)
        return r
    }

    /// Decimal digits, exact.
    public var description: String {
        if l1 | l2 | l3 == 0 { return String(l0) }
        var v = self
        var chunks = [UInt64]()
        let base: UInt64 = 10_000_000_000_000_000_000  // 10^19
        while !v.isZero { chunks.append(v.divide(by: base)) }
        var s = String(chunks.removeLast())
        for c in chunks.reversed() {
            let d = String(c)
            s += String(repeating: "0", count: 19 - d.count) + d
        }
        return s
    }

    /// Parses a decimal string exactly; `nil` on overflow or a non-digit.
    public init?(decimal: some StringProtocol) {
        guard !decimal.isEmpty else { return nil }
        var v = UInt256.zero
        for c in decimal.utf8 {
            guard c >= 0x30, c <= 0x39 else { return nil }
            guard let m = v.multipliedReportingOverflow(by: 10, adding: UInt64(c - 0x30)) else { return nil }
            v = m
        }
        self = v
    }

    /// `self * m + a`, or nil on overflow past 256 bits.
    func multipliedReportingOverflow(by m: UInt64, adding a: UInt64) -> UInt256? {
        var carry = a
        var out = [UInt64](repeating: 0, count: 4)
        for (i, limb) in [l0, l1, l2, l3].enumerated() {
            let (hi, lo) = limb.multipliedFullWidth(by: m)
            let (sum, o) = lo.addingReportingOverflow(carry)
            out[i] = sum
            carry = hi &+ (o ? 1 : 0)
        }
        guard carry == 0 else { return nil }
        return UInt256(l0: out[0], l1: out[1], l2: out[2], l3: out[3])
    }

    public static func < (a: UInt256, b: UInt256) -> Bool { (a.l3, a.l2, a.l1, a.l0) < (b.l3, b.l2, b.l1, b.l0) }

    /// `self − other`, or nil when `other` is larger.
    public func subtracting(_ other: UInt256) -> UInt256? {
        guard other <= self else { return nil }
        let (a, b0) = l0.subtractingReportingOverflow(other.l0)
        let (b1, o1) = l1.subtractingReportingOverflow(other.l1)
        let (b, c1) = b1.subtractingReportingOverflow(b0 ? 1 : 0)
        let (d1, o2) = l2.subtractingReportingOverflow(other.l2)
        let (d, c2) = d1.subtractingReportingOverflow((o1 || c1) ? 1 : 0)
        let (e1, _) = l3.subtractingReportingOverflow(other.l3)
        let (e, _) = e1.subtractingReportingOverflow((o2 || c2) ? 1 : 0)
        return UInt256(l0: a, l1: b, l2: d, l3: e)
    }

    /// `self + other`, or `UInt256.max` when that would overflow (sums of amounts from outside).
    public func addingSaturated(_ other: UInt256) -> UInt256 {
        let (a, c0) = l0.addingReportingOverflow(other.l0)
        let (b1, o1) = l1.addingReportingOverflow(other.l1)
        let (b, c1a) = b1.addingReportingOverflow(c0 ? 1 : 0)
        let (d1, o2) = l2.addingReportingOverflow(other.l2)
        let (d, c2a) = d1.addingReportingOverflow((o1 || c1a) ? 1 : 0)
        let (e1, o3) = l3.addingReportingOverflow(other.l3)
        let (e, c3a) = e1.addingReportingOverflow((o2 || c2a) ? 1 : 0)
        return (o3 || c3a) ? .max : UInt256(l0: a, l1: b, l2: d, l3: e)
    }
}

/// A signed 256-bit integer in two's complement, as ABI `int256` words carry it.
public struct Int256: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The two's-complement bit pattern.
    public var bits: UInt256

    public init(bits: UInt256) { self.bits = bits }
    public init(_ v: Int64) {
        let fill: UInt64 = v < 0 ? .max : 0
        bits = UInt256(l0: UInt64(bitPattern: v), l1: fill, l2: fill, l3: fill)
    }

    /// Builds the value from a 32-byte big-endian ABI word.
    public init(word: Hash32) { bits = UInt256(word: word) }

    /// True for values below zero.
    public var isNegative: Bool { bits.l3 >> 63 == 1 }

    /// The absolute value (exact, also for the minimum).
    public var magnitude: UInt256 {
        guard isNegative else { return bits }
        var limbs = [~bits.l0, ~bits.l1, ~bits.l2, ~bits.l3]
        var i = 0
        while i < 4 {
            let (s, o) = limbs[i].addingReportingOverflow(1)
            limbs[i] = s
            if !o { break }
            i += 1
        }
        return UInt256(l0: limbs[0], l1: limbs[1], l2: limbs[2], l3: limbs[3])
    }

    public var doubleValue: Double { isNegative ? -magnitude.doubleValue : magnitude.doubleValue }

    public var description: String { isNegative ? "-" + magnitude.description : bits.description }

    public static func < (a: Int256, b: Int256) -> Bool {
        if a.isNegative != b.isNegative { return a.isNegative }
        return a.bits < b.bits
    }
}
