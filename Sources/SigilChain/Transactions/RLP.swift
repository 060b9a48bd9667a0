public import BigInt

/// Recursive Length Prefix encoding, the serialisation of Ethereum transactions.
public enum RLP {
    public indirect enum Item: Sendable, Hashable {
        case bytes([UInt8])
        case list([Item])

        /// An unsigned integer: big-endian without leading zeros (zero is the empty string).
        public static func uint(_ v: BigUInt) -> Item { .bytes(Array(v.serialize())) }
        public static func uint(_ v: UInt64) -> Item { .uint(BigUInt(v)) }
    }

    public static func encode(_ item: Item) -> [UInt8] {
        switch item {
        case .bytes(let b):
            if b.count == 1, b[0] < 0x80 { return b }
            return header(b.count, short: 0x80) + b
        case .list(let items):
            let body = items.flatMap(encode)
            return header(body.count, short: 0xc0) + body
        }
    }

    static func header(_ length: Int, short: UInt8) -> [UInt8] {
        if length < 56 { return [short + UInt8(length)] }
        var be: [UInt8] = []
        var n = length
        while n > 0 {
            be.insert(UInt8(n & 0xff), at: 0)
            n >>= 8
        }
        return [short + 55 + UInt8(be.count)] + be
    }
}
