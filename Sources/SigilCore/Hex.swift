/// Hexadecimal helpers shared by every layer. All decoders accept an optional `0x` prefix and
/// both letter cases; they never trap on bad input.
public enum Hex {
    /// The value of one ASCII hex digit, or `nil`.
    @inlinable
    public static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c &- 0x30
        case 0x61...0x66: return c &- 0x61 &+ 10
        case 0x41...0x46: return c &- 0x41 &+ 10
        default: return nil
        }
    }

    /// Decodes a hex string (even length, optional `0x`) into bytes.
    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        var utf8 = Array(text.utf8)
        if utf8.count >= 2, utf8[0] == 0x30, utf8[1] == 0x78 || utf8[1] == 0x58 { utf8.removeFirst(2) }
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Lower-case hex of `bytes`, with a `0x` prefix unless `prefix` is false.
    public static func encode(_ bytes: some Sequence<UInt8>, prefix: Bool = true) -> String {
        var out = [UInt8]()
        if prefix { out.append(contentsOf: [0x30, 0x78]) }
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a JSON-RPC quantity (`0x`-prefixed, no leading zeros required) into a UInt64.
    public static func quantity(_ text: some StringProtocol) -> UInt64? {
        let utf8 = Array(text.utf8)
        guard utf8.count > 2, utf8.count <= 18, utf8[0] == 0x30, utf8[1] == 0x78 else { return nil }
        var v: UInt64 = 0
        for c in utf8[2...] {
            guard let n = nibble(c) else { return nil }
            v = v << 4 | UInt64(n)
        }
        return v
    }

    /// Formats a UInt64 as a JSON-RPC quantity (`0x0`, `0x1a`, …).
    public static func quantity(_ value: UInt64) -> String {
        "0x" + String(value, radix: 16)
    }
}
