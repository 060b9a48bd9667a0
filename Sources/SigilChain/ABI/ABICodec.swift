import BigInt
import Foundation
import SigilCore

/// The Solidity contract ABI: head/tail encoding of a tuple of values, and a strict decoder
/// that rejects out-of-range offsets and lengths, non-canonical padding, out-of-range integers,
/// booleans other than 0/1 and invalid UTF-8, with a typed error rather than a crash.
public enum ABI {
    /// Encodes `values` as the tuple `types` (function arguments, return values, event data).
    public static func encode(_ types: [ABIType], _ values: [ABIValue]) throws(ChainError) -> [UInt8] {
        var out = [UInt8]()
        try encodeTuple(types, values, into: &out)
        return out
    }

    /// Decodes `data` as the tuple `types`.
    public static func decode(_ types: [ABIType], _ data: [UInt8]) throws(ChainError) -> [ABIValue] {
        try data.withUnsafeBufferPointer { (buf) throws(ChainError) -> [ABIValue] in
            let r = Reader(buf)
            return try r.tuple(types, at: 0, limit: buf.count)
        }
    }

    /// The 4-byte selector of a function signature such as `transfer(address,uint256)`.
    public static func selector(_ signature: String) -> [UInt8] { Array(Keccak256.hash(signature).prefix(4)) }

    /// An `Error(string)` revert's message (printable characters, at most 120), else the first
    /// 64 bytes of the data as hex; "" for no data.
    public static func revertReason(_ data: [UInt8]) -> String {
        guard !data.isEmpty else { return "" }
        if data.count >= 4, Array(data.prefix(4)) == selector("Error(string)"),
           let v = try? decode([.string], Array(data.dropFirst(4))), case .string(let s) = v.first {
            return TerminalText.escaped(s.prefix(120))
        }
        return Hex.encode(data.prefix(64))
    }

    /// Calldata: selector followed by the encoded arguments.
    public static func call(_ signature: String, _ types: [ABIType], _ values: [ABIValue]) throws(ChainError) -> [UInt8] {
        selector(signature) + (try encode(types, values))
    }

    // MARK: encoding

    static func encodeTuple(_ types: [ABIType], _ values: [ABIValue], into out: inout [UInt8]) throws(ChainError) {
        guard types.count == values.count else {
            throw .abiEncode("\(values.count) values for \(types.count) types")
        }
        let headLength = types.reduce(0) { $0 + $1.headSize }
        var tail = [UInt8]()
        let start = out.count
        out.reserveCapacity(start + headLength)
        for (t, v) in zip(types, values) {
            if t.isDynamic {
                out += word(UInt64(headLength + tail.count))
                try encodeValue(t, v, into: &tail)
            } else {
                try encodeValue(t, v, into: &out)
            }
        }
        out += tail
    }

    static func encodeValue(_ t: ABIType, _ v: ABIValue, into out: inout [UInt8]) throws(ChainError) {
        switch (t, v) {
        case (.uint(let bits), .uint(let x)):
            guard x.bitWidth <= bits else { throw .abiEncode("\(x) does not fit uint\(bits)") }
            out += padLeft(x.serialize(), fill: 0)
        case (.int(let bits), .int(let x)):
            let limit = BigInt(1) << (bits - 1)
            guard x >= -limit, x < limit else { throw .abiEncode("\(x) does not fit int\(bits)") }
            if x.sign == .minus {
                let twos = (BigUInt(1) << 256) - x.magnitude
                out += padLeft(twos.serialize(), fill: 0xff)
            } else {
                out += padLeft(x.magnitude.serialize(), fill: 0)
            }
        case (.address, .address(let a)):
            out += [UInt8](repeating: 0, count: 12) + a.bytes
        case (.bool, .bool(let b)):
            out += word(b ? 1 : 0)
        case (.fixedBytes(let n), .fixedBytes(let b)):
            guard b.count == n else { throw .abiEncode("\(b.count) bytes for bytes\(n)") }
            out += b + [UInt8](repeating: 0, count: 32 - n)
        case (.bytes, .bytes(let b)):
            encodeBytes(b, into: &out)
        case (.string, .string(let s)):
            encodeBytes(Array(s.utf8), into: &out)
        case (.array(let et), .array(let items)):
            out += word(UInt64(items.count))
            try encodeTuple(Array(repeating: et, count: items.count), items, into: &out)
        case (.fixedArray(let et, let n), .array(let items)):
            guard items.count == n else { throw .abiEncode("\(items.count) items for \(t)") }
            try encodeTuple(Array(repeating: et, count: n), items, into: &out)
        case (.tuple(let ts), .tuple(let items)):
            try encodeTuple(ts, items, into: &out)
        default:
            throw .abiEncode("value \(v) does not match type \(t)")
        }
    }

    static func encodeBytes(_ b: [UInt8], into out: inout [UInt8]) {
        out += word(UInt64(b.count))
        out += b
        let pad = (32 - b.count % 32) % 32
        out += [UInt8](repeating: 0, count: pad)
    }

    static func word(_ v: UInt64) -> [UInt8] {
        var w = [UInt8](repeating: 0, count: 32)
        for i in 0..<8 { w[31 - i] = UInt8(truncatingIfNeeded: v >> (8 * i)) }
        return w
    }

    static func padLeft(_ d: Data, fill: UInt8) -> [UInt8] {
        let bytes = [UInt8](d)
        return [UInt8](repeating: fill, count: 32 - bytes.count) + bytes
    }

    // MARK: decoding

    struct Reader {
        let buf: UnsafeBufferPointer<UInt8>
        init(_ buf: UnsafeBufferPointer<UInt8>) { self.buf = buf }

        func word(at offset: Int, limit: Int) throws(ChainError) -> UnsafeBufferPointer<UInt8> {
            guard offset >= 0, offset <= limit - 32 else { throw .abiDecode("word at \(offset) past the end (\(limit))") }
            return UnsafeBufferPointer(rebasing: buf[offset..<offset + 32])
        }

        /// A word that must hold a small non-negative integer (an offset or a length).
        func smallInt(at offset: Int, limit: Int) throws(ChainError) -> Int {
            let w = try word(at: offset, limit: limit)
            for i in 0..<24 where w[i] != 0 { throw .abiDecode("offset or length at \(offset) is too large") }
            var v = 0
            for i in 24..<32 { v = v << 8 | Int(w[i]) }
            guard v >= 0, v <= Int(Int32.max) else { throw .abiDecode("offset or length at \(offset) is too large") }
            return v
        }

        /// Decodes a tuple whose head starts at `base`; offsets are relative to `base`.
        func tuple(_ types: [ABIType], at base: Int, limit: Int) throws(ChainError) -> [ABIValue] {
            var out = [ABIValue]()
            out.reserveCapacity(types.count)
            var head = base
            for t in types {
                if t.isDynamic {
                    let rel = try smallInt(at: head, limit: limit)
                    guard base + rel <= limit else { throw .abiDecode("offset \(rel) past the end") }
                    out.append(try value(t, at: base + rel, limit: limit))
                    head += 32
                } else {
                    out.append(try value(t, at: head, limit: limit))
                    head += t.headSize
                }
            }
            return out
        }

        func value(_ t: ABIType, at offset: Int, limit: Int) throws(ChainError) -> ABIValue {
            switch t {
            case .uint(let bits):
                let w = try word(at: offset, limit: limit)
                let zeroBytes = (256 - bits) / 8
                for i in 0..<zeroBytes where w[i] != 0 { throw .abiDecode("uint\(bits) at \(offset) has non-zero padding") }
                return .uint(BigUInt(Data(w)))
            case .int(let bits):
                let w = try word(at: offset, limit: limit)
                let signByteIndex = (256 - bits) / 8
                let negative = w[signByteIndex] & 0x80 != 0
                for i in 0..<signByteIndex where w[i] != (negative ? 0xff : 0) {
                    throw .abiDecode("int\(bits) at \(offset) is not sign-extended")
                }
                let raw = BigUInt(Data(w))
                return .int(negative ? -BigInt((BigUInt(1) << 256) - raw) : BigInt(raw))
            case .address:
                let w = try word(at: offset, limit: limit)
                for i in 0..<12 where w[i] != 0 { throw .abiDecode("address at \(offset) has non-zero padding") }
                return .address(Address(bytes: w[12..<32])!)
            case .bool:
                let w = try word(at: offset, limit: limit)
                for i in 0..<31 where w[i] != 0 { throw .abiDecode("bool at \(offset) is not 0 or 1") }
                guard w[31] <= 1 else { throw .abiDecode("bool at \(offset) is not 0 or 1") }
                return .bool(w[31] == 1)
            case .fixedBytes(let n):
                let w = try word(at: offset, limit: limit)
                for i in n..<32 where w[i] != 0 { throw .abiDecode("bytes\(n) at \(offset) has non-zero padding") }
                return .fixedBytes(Array(w[0..<n]))
            case .bytes, .string:
                let length = try smallInt(at: offset, limit: limit)
                let start = offset + 32
                let padded = (length + 31) / 32 * 32
                guard start + padded <= limit else { throw .abiDecode("\(length) bytes at \(offset) run past the end") }
                for i in (start + length)..<(start + padded) where buf[i] != 0 {
                    throw .abiDecode("bytes at \(offset) have non-zero padding")
                }
                let b = Array(buf[start..<start + length])
                if case .bytes = t { return .bytes(b) }
                guard let s = String(validating: b, as: UTF8.self) else { throw .abiDecode("string at \(offset) is not UTF-8") }
                return .string(s)
            case .array(let et):
                let count = try smallInt(at: offset, limit: limit)
                let start = offset + 32
                // every element takes at least one head word: bound the count before allocating
                guard count <= (limit - start) / max(32, et.headSize) else { throw .abiDecode("array length \(count) at \(offset) exceeds the data") }
                return .array(try tuple(Array(repeating: et, count: count), at: start, limit: limit))
            case .fixedArray(let et, let n):
                return .array(try tuple(Array(repeating: et, count: n), at: offset, limit: limit))
            case .tuple(let ts):
                return .tuple(try tuple(ts, at: offset, limit: limit))
            }
        }
    }
}
