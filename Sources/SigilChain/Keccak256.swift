/// Keccak-256 as Ethereum uses it (the original Keccak padding `0x01`, not SHA3's `0x06`).
///
/// Streaming: `update` any number of times, then `finalize`. `Keccak256.hash(_:)` is the
/// one-shot form. The state lives inline; hashing allocates only the 32-byte result.
public struct Keccak256: Sendable {
    private var state = KeccakState()
    private var buffer = KeccakBlock()
    private var buffered = 0
    /// Bytes absorbed per permutation for a 256-bit capacity·2 = 512.
    public static let rate = 136

    public init() {}

    /// Absorbs `bytes`.
    public mutating func update(_ bytes: some Collection<UInt8>) {
        for b in bytes {
            buffer[buffered] = b
            buffered += 1
            if buffered == Self.rate {
                absorbBuffer()
                buffered = 0
            }
        }
    }

    /// Absorbs raw memory, whole blocks at a time where possible.
    public mutating func update(_ raw: UnsafeRawBufferPointer) {
        var i = 0
        let n = raw.count
        if buffered == 0 {
            while n - i >= Self.rate {
                state.absorb(raw, at: i)
                i += Self.rate
            }
        }
        while i < n {
            buffer[buffered] = raw[i]
            buffered += 1
            i += 1
            if buffered == Self.rate {
                absorbBuffer()
                buffered = 0
            }
        }
    }

    private mutating func absorbBuffer() {
        let copy = buffer
        withUnsafeBytes(of: copy.bytes) { state.absorb($0, at: 0) }
    }

    /// Pads, permutes and returns the 32-byte digest.
    public mutating func finalize() -> [UInt8] {
        for i in buffered..<Self.rate { buffer[i] = 0 }
        buffer[buffered] ^= 0x01
        buffer[Self.rate - 1] ^= 0x80
        absorbBuffer()
        buffered = 0
        return state.squeeze32()
    }

    /// The digest of `bytes`.
    public static func hash(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var k = Keccak256()
        if let done = bytes.withContiguousStorageIfAvailable({ p in k.update(UnsafeRawBufferPointer(p)); return true }), done {
            return k.finalize()
        }
        k.update(bytes)
        return k.finalize()
    }

    /// The digest of a string's UTF-8 bytes.
    public static func hash(_ text: String) -> [UInt8] { hash(Array(text.utf8)) }
}

/// 136 inline bytes for the partial block.
struct KeccakBlock: Sendable {
    var bytes: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    subscript(i: Int) -> UInt8 {
        get { withUnsafeBytes(of: bytes) { $0[i] } }
        set { withUnsafeMutableBytes(of: &bytes) { $0[i] = newValue } }
    }
}

/// The 25-lane Keccak-f[1600] state.
struct KeccakState: Sendable {
    var a: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
            UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
            UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    private static let roundConstants: [UInt64] = [
        0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
        0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
        0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
        0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
        0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
        0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008,
    ]

    /// XORs one 136-byte block (little-endian lanes) at `offset` into the state and permutes.
    mutating func absorb(_ raw: UnsafeRawBufferPointer, at offset: Int) {
        withUnsafeMutableBytes(of: &a) { s in
            let lanes = s.bindMemory(to: UInt64.self)
            for i in 0..<17 {
                let v = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 8 * i, as: UInt64.self))
                lanes[i] ^= v
            }
        }
        permute()
    }

    func squeeze32() -> [UInt8] {
        withUnsafeBytes(of: a) { Array($0[0..<32]) }
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ n: UInt64) -> UInt64 { (x << n) | (x >> (64 &- n)) }

    mutating func permute() {
        withUnsafeMutableBytes(of: &a) { raw in
            let s = raw.bindMemory(to: UInt64.self)
            var c0: UInt64, c1: UInt64, c2: UInt64, c3: UInt64, c4: UInt64
            for round in 0..<24 {
                // θ
                c0 = s[0] ^ s[5] ^ s[10] ^ s[15] ^ s[20]
                c1 = s[1] ^ s[6] ^ s[11] ^ s[16] ^ s[21]
                c2 = s[2] ^ s[7] ^ s[12] ^ s[17] ^ s[22]
                c3 = s[3] ^ s[8] ^ s[13] ^ s[18] ^ s[23]
                c4 = s[4] ^ s[9] ^ s[14] ^ s[19] ^ s[24]
                let d0 = c4 ^ Self.rotl(c1, 1), d1 = c0 ^ Self.rotl(c2, 1), d2 = c1 ^ Self.rotl(c3, 1)
                let d3 = c2 ^ Self.rotl(c4, 1), d4 = c3 ^ Self.rotl(c0, 1)
                for y in stride(from: 0, to: 25, by: 5) {
                    s[y] ^= d0; s[y + 1] ^= d1; s[y + 2] ^= d2; s[y + 3] ^= d3; s[y + 4] ^= d4
                }
                // ρ and π
                var b = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                         UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                         UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
                withUnsafeMutableBytes(of: &b) { braw in
                    let bb = braw.bindMemory(to: UInt64.self)
                    bb[0] = s[0]
                    bb[10] = Self.rotl(s[1], 1); bb[20] = Self.rotl(s[2], 62); bb[5] = Self.rotl(s[3], 28); bb[15] = Self.rotl(s[4], 27)
                    bb[16] = Self.rotl(s[5], 36); bb[1] = Self.rotl(s[6], 44); bb[11] = Self.rotl(s[7], 6); bb[21] = Self.rotl(s[8], 55); bb[6] = Self.rotl(s[9], 20)
                    bb[7] = Self.rotl(s[10], 3); bb[17] = Self.rotl(s[11], 10); bb[2] = Self.rotl(s[12], 43); bb[12] = Self.rotl(s[13], 25); bb[22] = Self.rotl(s[14], 39)
                    bb[23] = Self.rotl(s[15], 41); bb[8] = Self.rotl(s[16], 45); bb[18] = Self.rotl(s[17], 15); bb[3] = Self.rotl(s[18], 21); bb[13] = Self.rotl(s[19], 8)
                    bb[14] = Self.rotl(s[20], 18); bb[24] = Self.rotl(s[21], 2); bb[9] = Self.rotl(s[22], 61); bb[19] = Self.rotl(s[23], 56); bb[4] = Self.rotl(s[24], 14)
                    // χ
                    for y in stride(from: 0, to: 25, by: 5) {
                        let t0 = bb[y], t1 = bb[y + 1], t2 = bb[y + 2], t3 = bb[y + 3], t4 = bb[y + 4]
                        s[y] = t0 ^ (~t1 & t2)
                        s[y + 1] = t1 ^ (~t2 & t3)
                        s[y + 2] = t2 ^ (~t3 & t4)
                        s[y + 3] = t3 ^ (~t4 & t0)
                        s[y + 4] = t4 ^ (~t0 & t1)
                    }
                }
                // ι
                s[0] ^= Self.roundConstants[round]
            }
        }
    }
}
