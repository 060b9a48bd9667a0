/// A Solidity ABI type, parsed from its canonical spelling (`uint256`, `(address,bytes)[2][]`).
public indirect enum ABIType: Hashable, Sendable, CustomStringConvertible {
    case uint(Int)
    case int(Int)
    case address
    case bool
    case fixedBytes(Int)
    case bytes
    case string
    case array(ABIType)
    case fixedArray(ABIType, Int)
    case tuple([ABIType])

    /// Parses a canonical type string. Aliases `uint`/`int` mean 256 bits.
    public init(parsing text: String) throws(ChainError) {
        var p = TypeParser(Array(text.utf8))
        let t = try p.parseType()
        guard p.atEnd else { throw .abiType("unexpected text after the type in \(text)") }
        self = t
    }

    /// True when the encoding's size depends on the value.
    public var isDynamic: Bool {
        switch self {
        case .bytes, .string, .array: true
        case .fixedArray(let t, _): t.isDynamic
        case .tuple(let ts): ts.contains { $0.isDynamic }
        default: false
        }
    }

    /// Bytes the type takes in a head: 32 for dynamic types (an offset).
    var headSize: Int {
        if isDynamic { return 32 }
        switch self {
        case .fixedArray(let t, let n): return t.headSize * n
        case .tuple(let ts): return ts.reduce(0) { $0 + $1.headSize }
        default: return 32
        }
    }

    public var description: String {
        switch self {
        case .uint(let b): "uint\(b)"
        case .int(let b): "int\(b)"
        case .address: "address"
        case .bool: "bool"
        case .fixedBytes(let n): "bytes\(n)"
        case .bytes: "bytes"
        case .string: "string"
        case .array(let t): "\(t)[]"
        case .fixedArray(let t, let n): "\(t)[\(n)]"
        case .tuple(let ts): "(" + ts.map(\.description).joined(separator: ",") + ")"
        }
    }
}

private struct TypeParser {
    let s: [UInt8]
    var i = 0
    init(_ s: [UInt8]) { self.s = s }
    var atEnd: Bool { i == s.count }

    mutating func parseType() throws(ChainError) -> ABIType {
        var t: ABIType
        if i < s.count, s[i] == UInt8(ascii: "(") {
            i += 1
            var parts: [ABIType] = []
            if i < s.count, s[i] == UInt8(ascii: ")") {
                i += 1
            } else {
                while true {
                    parts.append(try parseType())
                    guard i < s.count else { throw .abiType("unclosed tuple") }
                    if s[i] == UInt8(ascii: ",") { i += 1; continue }
                    if s[i] == UInt8(ascii: ")") { i += 1; break }
                    throw .abiType("expected , or ) in tuple")
                }
            }
            t = .tuple(parts)
        } else {
            let start = i
            while i < s.count, s[i] != UInt8(ascii: "["), s[i] != UInt8(ascii: ","), s[i] != UInt8(ascii: ")") { i += 1 }
            t = try elementary(String(decoding: s[start..<i], as: UTF8.self))
        }
        while i < s.count, s[i] == UInt8(ascii: "[") {
            i += 1
            let start = i
            while i < s.count, s[i] >= 0x30, s[i] <= 0x39 { i += 1 }
            guard i < s.count, s[i] == UInt8(ascii: "]") else { throw .abiType("unclosed array bracket") }
            if start == i {
                t = .array(t)
            } else {
                guard i - start <= 6, let n = Int(String(decoding: s[start..<i], as: UTF8.self)), n > 0 else {
                    throw .abiType("bad fixed array length")
                }
                t = .fixedArray(t, n)
            }
            i += 1
        }
        return t
    }

    func elementary(_ name: String) throws(ChainError) -> ABIType {
        switch name {
        case "address": return .address
        case "bool": return .bool
        case "bytes": return .bytes
        case "string": return .string
        case "uint": return .uint(256)
        case "int": return .int(256)
        default: break
        }
        func bits(_ prefix: String) -> Int? {
            guard name.hasPrefix(prefix), let n = Int(name.dropFirst(prefix.count)),
                  !name.dropFirst(prefix.count).hasPrefix("0") else { return nil }
            return n
        }
        if let n = bits("uint") {
            guard n % 8 == 0, (8...256).contains(n) else { throw .abiType("uint width \(n)") }
            return .uint(n)
        }
        if let n = bits("int") {
            guard n % 8 == 0, (8...256).contains(n) else { throw .abiType("int width \(n)") }
            return .int(n)
        }
        if let n = bits("bytes") {
            guard (1...32).contains(n) else { throw .abiType("bytes width \(n)") }
            return .fixedBytes(n)
        }
        throw .abiType("unknown type '\(name)'")
    }
}
