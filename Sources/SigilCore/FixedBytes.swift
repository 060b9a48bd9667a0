/// An Ethereum address: 20 bytes, compared and hashed by value, printed as lower-case 0x-hex.
public struct Address: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The bytes, big-endian, packed as 8 + 8 + 4 bytes so the value needs no heap storage.
    public var hi: UInt64, mid: UInt64, lo: UInt32

    public init(hi: UInt64, mid: UInt64, lo: UInt32) { self.hi = hi; self.mid = mid; self.lo = lo }

    /// The zero address.
    public static let zero = Address(hi: 0, mid: 0, lo: 0)

    /// Builds an address from exactly 20 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 20 else { return nil }
        var hi: UInt64 = 0, mid: UInt64 = 0, lo: UInt32 = 0
        for (i, b) in bytes.enumerated() {
            if i < 8 { hi = hi << 8 | UInt64(b) } else if i < 16 { mid = mid << 8 | UInt64(b) } else { lo = lo << 8 | UInt32(b) }
        }
        self.init(hi: hi, mid: mid, lo: lo)
    }

    /// Parses `0x` + 40 hex digits (any case; the checksum is not enforced).
    public init?(hex: some StringProtocol) {
        guard let bytes = Hex.decode(hex), bytes.count == 20 else { return nil }
        self.init(bytes: bytes)
    }

    /// The 20 bytes, big-endian.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        for i in 0..<8 { out[i] = UInt8(truncatingIfNeeded: hi >> (56 - 8 * i)) }
        for i in 0..<8 { out[8 + i] = UInt8(truncatingIfNeeded: mid >> (56 - 8 * i)) }
        for i in 0..<4 { out[16 + i] = UInt8(truncatingIfNeeded: lo >> (24 - 8 * i)) }
        return out
    }

    public var description: String { Hex.encode(bytes) }

    public static func < (a: Address, b: Address) -> Bool { (a.hi, a.mid, a.lo) < (b.hi, b.mid, b.lo) }
}

/// A 32-byte value: block and transaction hashes, log topics, model weight hashes.
public struct Hash32: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The bytes, big-endian, as four words (`w0` is the most significant).
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) { self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3 }

    /// The all-zero value.
    public static let zero = Hash32(w0: 0, w1: 0, w2: 0, w3: 0)

    /// Builds a value from exactly 32 bytes.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == 32 else { return nil }
        var w = [UInt64](repeating: 0, count: 4)
        for (i, b) in bytes.enumerated() { w[i / 8] = w[i / 8] << 8 | UInt64(b) }
        self.init(w0: w[0], w1: w[1], w2: w[2], w3: w[3])
    }

    /// Parses `0x` + 64 hex digits.
    public init?(hex: some StringProtocol) {
        guard let bytes = Hex.decode(hex), bytes.count == 32 else { return nil }
        self.init(bytes: bytes)
    }

    /// The 32 bytes, big-endian.
    public var bytes: [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        for (k, w) in [w0, w1, w2, w3].enumerated() {
            for i in 0..<8 { out[8 * k + i] = UInt8(truncatingIfNeeded: w >> (56 - 8 * i)) }
        }
        return out
    }

    public var description: String { Hex.encode(bytes) }

    public static func < (a: Hash32, b: Hash32) -> Bool { (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3) }
}
