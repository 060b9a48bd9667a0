public import SigilCore

/// Scans the bytes of a JSON-RPC `eth_subscription` notification in place.
///
/// Built for the hot path: one pass over the frame, no JSON tree, no per-frame allocation; hex
/// is decoded straight from the frame. It accepts any key order, whitespace and unknown keys,
/// and rejects everything that is not a well-formed notification with a `FrameError`.
///
/// A `ScannedLog` points into the frame: use it only while the frame's bytes are alive
/// (`FrameDecoder` wraps this and returns owned values).
public enum NotificationScanner {
    /// What a notification carried.
    public enum Notification {
        case log(subscription: Hash32, ScannedLog)
        case head(subscription: Hash32, BlockHead)
    }

    public static func scan(_ frame: UnsafeRawBufferPointer) throws(FrameError) -> Notification {
        guard let base = frame.baseAddress?.assumingMemoryBound(to: UInt8.self), frame.count > 0 else {
            throw FrameError(.malformedJSON, "empty frame")
        }
        var c = Cursor(p: base, n: frame.count)
        var isNotification = false
        var subscription: Hash32?
        var result = ResultFields()
        var sawResult = false
        try c.object { (c, key) throws(FrameError) in
            switch key {
            case Keys.method:
                let r = try c.string()
                guard c.equals(r, Keys.ethSubscription) else { throw FrameError(.notANotification, "method is not eth_subscription") }
                isNotification = true
            case Keys.params:
                try c.object { (c, key) throws(FrameError) in
                    switch key {
                    case Keys.subscription:
                        let r = try c.string()
                        guard let id = c.hexID(r) else { throw FrameError(.wrongType, "subscription id") }
                        subscription = id
                    case Keys.result:
                        sawResult = true
                        try c.resultObject(&result)
                    default:
                        try c.skipValue()
                    }
                }
            default:
                try c.skipValue()
            }
        }
        c.skipWhitespace()
        guard c.i == c.n else { throw FrameError(.malformedJSON, "trailing bytes after the object") }
        guard isNotification else { throw FrameError(.notANotification, "no eth_subscription method") }
        guard let sub = subscription else { throw FrameError(.missingField, "params.subscription") }
        guard sawResult else { throw FrameError(.missingField, "params.result") }
        if result.topicCount >= 0 {
            return .log(subscription: sub, try result.log(base: UnsafeRawPointer(base)))
        }
        if result.hasParentHash {
            return .head(subscription: sub, try result.head())
        }
        throw FrameError(.notANotification, "result is neither a log nor a block header")
    }

    enum Keys {
        static let method = Key("method"), params = Key("params"), subscription = Key("subscription"), result = Key("result")
        static let ethSubscription: [UInt8] = Array("eth_subscription".utf8)
        static let address = Key("address"), topics = Key("topics"), data = Key("data"), blockNumber = Key("blockNumber")
        static let blockHash = Key("blockHash"), transactionHash = Key("transactionHash")
        static let transactionIndex = Key("transactionIndex"), logIndex = Key("logIndex"), removed = Key("removed")
        static let number = Key("number"), hash = Key("hash"), parentHash = Key("parentHash"), timestamp = Key("timestamp")
        static let baseFee = Key("baseFeePerGas")
    }
}

/// A JSON object key, compared by bytes. Keys are short, so a packed prefix plus length
/// decides almost every comparison in one integer compare.
struct Key: Equatable {
    let length: Int
    let packed: (UInt64, UInt64)

    init(_ s: String) { self.init(bytes: Array(s.utf8)) }

    init(bytes: some Collection<UInt8>) {
        length = bytes.count
        var a: UInt64 = 0, b: UInt64 = 0
        for (i, ch) in bytes.prefix(16).enumerated() {
            if i < 8 { a |= UInt64(ch) << (8 * UInt64(i)) } else { b |= UInt64(ch) << (8 * UInt64(i - 8)) }
        }
        packed = (a, b)
    }

    static func == (x: Key, y: Key) -> Bool { x.length == y.length && x.packed == y.packed }
    static func ~= (pattern: Key, value: Key) -> Bool { pattern == value }
}

/// Hex decoding from raw bytes already validated as hex digits.
enum HexScan {
    @inline(__always) static func nib(_ c: UInt8) -> UInt64 {
        // '0'-'9' → 0-9; 'a'-'f' and 'A'-'F' → 10-15 (input already validated)
        UInt64((c & 0x0f) &+ (c >> 6) &* 9)
    }

    @inline(__always) static func byte(_ p: UnsafePointer<UInt8>) -> UInt8 { UInt8(nib(p[0]) << 4 | nib(p[1])) }

    @inline(__always) static func u64(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<count { v = v << 4 | nib(p[k]) }
        return v
    }

    @inline(__always) static func hash(_ p: UnsafePointer<UInt8>) -> Hash32 {
        Hash32(w0: u64(p, 16), w1: u64(p + 16, 16), w2: u64(p + 32, 16), w3: u64(p + 48, 16))
    }

    @inline(__always) static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66)
    }
}

/// The fields of a notification's `result`, as found.
struct ResultFields {
    var address: Address?
    var topics: (Hash32, Hash32, Hash32, Hash32) = (.zero, .zero, .zero, .zero)
    var topicCount = -1
    var dataStart = -1, dataHexCount = 0
    var blockNumber: UInt64?, blockHash: Hash32?, transactionHash: Hash32?
    var transactionIndex: UInt64?, logIndex: UInt64?
    var removed = false
    var number: UInt64?, hash: Hash32?, parentHash: Hash32?, timestamp: UInt64?, baseFee: UInt64?
    var hasParentHash: Bool { parentHash != nil }

    func log(base: UnsafeRawPointer) throws(FrameError) -> ScannedLog {
        guard let address else { throw FrameError(.missingField, "log.address") }
        guard dataStart >= 0 else { throw FrameError(.missingField, "log.data") }
        guard let blockNumber else { throw FrameError(.missingField, "log.blockNumber") }
        guard let blockHash else { throw FrameError(.missingField, "log.blockHash") }
        guard let transactionHash else { throw FrameError(.missingField, "log.transactionHash") }
        guard let transactionIndex, transactionIndex <= UInt32.max else { throw FrameError(.missingField, "log.transactionIndex") }
        guard let logIndex, logIndex <= UInt32.max else { throw FrameError(.missingField, "log.logIndex") }
        return ScannedLog(address: address, topics: topics, topicCount: topicCount, base: base, dataStart: dataStart,
                          dataHexCount: dataHexCount, blockNumber: blockNumber, blockHash: blockHash,
                          transactionHash: transactionHash, transactionIndex: UInt32(transactionIndex),
                          logIndex: UInt32(logIndex), removed: removed)
    }

    func head() throws(FrameError) -> BlockHead {
        guard let number else { throw FrameError(.missingField, "head.number") }
        guard let hash else { throw FrameError(.missingField, "head.hash") }
        guard let parentHash else { throw FrameError(.missingField, "head.parentHash") }
        guard let timestamp else { throw FrameError(.missingField, "head.timestamp") }
        return BlockHead(number: number, hash: hash, parentHash: parentHash, timestamp: timestamp, baseFeePerGas: baseFee)
    }
}

/// A cursor over JSON bytes with just what notifications need.
struct Cursor {
    let p: UnsafePointer<UInt8>
    let n: Int
    var i = 0
    static let maxDepth = 64

    init(p: UnsafePointer<UInt8>, n: Int) { self.p = p; self.n = n }

    @inline(__always) mutating func skipWhitespace() {
        while i < n, p[i] == 0x20 || p[i] == 0x0a || p[i] == 0x0d || p[i] == 0x09 { i += 1 }
    }

    @inline(__always) mutating func consume(_ ch: UInt8, _ what: @autoclosure () -> String) throws(FrameError) {
        skipWhitespace()
        guard i < n else { throw FrameError(.malformedJSON, "truncated: expected \(what())") }
        guard p[i] == ch else { throw FrameError(.malformedJSON, "expected \(what()) at byte \(i)") }
        i += 1
    }

    /// Walks an object, calling `field` with the cursor on each value.
    mutating func object(_ field: (inout Cursor, Key) throws(FrameError) -> Void) throws(FrameError) {
        try consume(UInt8(ascii: "{"), "{")
        skipWhitespace()
        if i < n, p[i] == UInt8(ascii: "}") { i += 1; return }
        while true {
            let k = try string()
            try consume(UInt8(ascii: ":"), ":")
            skipWhitespace()
            try field(&self, Key(bytes: UnsafeBufferPointer(start: p + k.lowerBound, count: k.count)))
            skipWhitespace()
            guard i < n else { throw FrameError(.malformedJSON, "truncated object") }
            if p[i] == UInt8(ascii: ",") { i += 1; continue }
            if p[i] == UInt8(ascii: "}") { i += 1; return }
            throw FrameError(.malformedJSON, "expected , or } at byte \(i)")
        }
    }

    /// A string's content range (escapes left as they are).
    mutating func string() throws(FrameError) -> Range<Int> {
        skipWhitespace()
        guard i < n else { throw FrameError(.malformedJSON, "truncated: expected a string") }
        guard p[i] == UInt8(ascii: "\"") else { throw FrameError(.wrongType, "expected a string at byte \(i)") }
        i += 1
        let start = i
        while i < n {
            let ch = p[i]
            if ch == UInt8(ascii: "\"") { i += 1; return start..<(i - 1) }
            if ch == UInt8(ascii: "\\") { i += 2; continue }
            if ch < 0x20 { throw FrameError(.malformedJSON, "control character in a string") }
            i += 1
        }
        throw FrameError(.malformedJSON, "truncated string")
    }

    func equals(_ r: Range<Int>, _ bytes: [UInt8]) -> Bool {
        guard r.count == bytes.count else { return false }
        for k in 0..<bytes.count where p[r.lowerBound + k] != bytes[k] { return false }
        return true
    }

    mutating func skipValue(depth: Int = 0) throws(FrameError) {
        guard depth < Cursor.maxDepth else { throw FrameError(.malformedJSON, "nesting too deep") }
        skipWhitespace()
        guard i < n else { throw FrameError(.malformedJSON, "truncated: expected a value") }
        switch p[i] {
        case UInt8(ascii: "\""):
            _ = try string()
        case UInt8(ascii: "{"):
            try object { (c, _) throws(FrameError) in try c.skipValue(depth: depth + 1) }
        case UInt8(ascii: "["):
            i += 1
            skipWhitespace()
            if i < n, p[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard i < n else { throw FrameError(.malformedJSON, "truncated array") }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "]") { i += 1; return }
                throw FrameError(.malformedJSON, "expected , or ] at byte \(i)")
            }
        default:
            let start = i
            while i < n, !(p[i] == UInt8(ascii: ",") || p[i] == UInt8(ascii: "}") || p[i] == UInt8(ascii: "]")
                           || p[i] == 0x20 || p[i] == 0x0a || p[i] == 0x0d || p[i] == 0x09) { i += 1 }
            guard i > start else { throw FrameError(.malformedJSON, "expected a value at byte \(start)") }
            let c0 = p[start]
            let isLiteral = c0 == UInt8(ascii: "t") || c0 == UInt8(ascii: "f") || c0 == UInt8(ascii: "n")
            guard isLiteral || c0 == UInt8(ascii: "-") || (c0 >= 0x30 && c0 <= 0x39) else {
                throw FrameError(.malformedJSON, "invalid value at byte \(start)")
            }
            guard i < n else { throw FrameError(.malformedJSON, "truncated value") }
        }
    }

    mutating func bool(_ field: String) throws(FrameError) -> Bool {
        skipWhitespace()
        if n - i >= 4, p[i] == UInt8(ascii: "t"), p[i + 1] == UInt8(ascii: "r"), p[i + 2] == UInt8(ascii: "u"), p[i + 3] == UInt8(ascii: "e") {
            i += 4
            return true
        }
        if n - i >= 5, p[i] == UInt8(ascii: "f"), p[i + 1] == UInt8(ascii: "a"), p[i + 2] == UInt8(ascii: "l"),
           p[i + 3] == UInt8(ascii: "s"), p[i + 4] == UInt8(ascii: "e") {
            i += 5
            return false
        }
        let rest = n - i
        func truncates(_ literal: StaticString) -> Bool {
            rest < literal.utf8CodeUnitCount && (0..<rest).allSatisfy { p[i + $0] == literal.utf8Start[$0] }
        }
        if truncates("true") || truncates("false") { throw FrameError(.malformedJSON, "truncated: \(field)") }
        throw FrameError(.wrongType, "\(field) is not a boolean")
    }

    /// `0x` + exactly `digits` hex digits; returns the offset of the first digit.
    mutating func fixedHex(_ digits: Int, _ field: String) throws(FrameError) -> Int {
        let r = try string()
        guard r.count == digits + 2, p[r.lowerBound] == UInt8(ascii: "0"), p[r.lowerBound + 1] == UInt8(ascii: "x") else {
            throw FrameError(.wrongType, "\(field) is not 0x + \(digits) hex digits")
        }
        for k in (r.lowerBound + 2)..<r.upperBound where !HexScan.isHex(p[k]) {
            throw FrameError(.wrongType, "\(field) has a non-hex digit")
        }
        return r.lowerBound + 2
    }

    mutating func hash(_ field: String) throws(FrameError) -> Hash32 { HexScan.hash(p + (try fixedHex(64, field))) }

    mutating func address(_ field: String) throws(FrameError) -> Address {
        let at = try fixedHex(40, field)
        let hi = HexScan.u64(p + at, 16), mid = HexScan.u64(p + at + 16, 16), lo = HexScan.u64(p + at + 32, 8)
        return Address(hi: hi, mid: mid, lo: UInt32(lo))
    }

    /// A JSON-RPC quantity: `0x` + 1…16 hex digits.
    mutating func quantity(_ field: String) throws(FrameError) -> UInt64 {
        let r = try string()
        guard r.count >= 3, r.count <= 18, p[r.lowerBound] == UInt8(ascii: "0"), p[r.lowerBound + 1] == UInt8(ascii: "x") else {
            throw FrameError(.wrongType, "\(field) is not a 0x quantity")
        }
        for k in (r.lowerBound + 2)..<r.upperBound where !HexScan.isHex(p[k]) {
            throw FrameError(.wrongType, "\(field) has a non-hex digit")
        }
        return HexScan.u64(p + r.lowerBound + 2, r.count - 2)
    }

    /// A block number: a quantity of at most `Bounds.maxBlockNumber`.
    mutating func blockNumber(_ field: String) throws(FrameError) -> UInt64 {
        let v = try quantity(field)
        guard v <= Bounds.maxBlockNumber else { throw FrameError(.outOfRange, "\(field) \(v) exceeds \(Bounds.maxBlockNumber)") }
        return v
    }

    /// A subscription id: `0x` + 1…64 hex digits, as a right-aligned 32-byte value.
    func hexID(_ r: Range<Int>) -> Hash32? {
        guard r.count >= 3, r.count <= 66, p[r.lowerBound] == UInt8(ascii: "0"), p[r.lowerBound + 1] == UInt8(ascii: "x") else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for k in (r.lowerBound + 2)..<r.upperBound {
            guard HexScan.isHex(p[k]) else { return nil }
            let nib = HexScan.nib(p[k])
            words[0] = words[0] << 4 | words[1] >> 60
            words[1] = words[1] << 4 | words[2] >> 60
            words[2] = words[2] << 4 | words[3] >> 60
            words[3] = words[3] << 4 | nib
        }
        return Hash32(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    mutating func resultObject(_ out: inout ResultFields) throws(FrameError) {
        typealias K = NotificationScanner.Keys
        try object { (c, key) throws(FrameError) in
            switch key {
            case K.address: out.address = try c.address("log.address")
            case K.topics: try c.topics(&out)
            case K.data:
                let r = try c.string()
                guard r.count >= 2, r.count % 2 == 0, c.p[r.lowerBound] == UInt8(ascii: "0"), c.p[r.lowerBound + 1] == UInt8(ascii: "x") else {
                    throw FrameError(.wrongType, "log.data is not 0x-hex of whole bytes")
                }
                for k in (r.lowerBound + 2)..<r.upperBound where !HexScan.isHex(c.p[k]) {
                    throw FrameError(.wrongType, "log.data has a non-hex digit")
                }
                out.dataStart = r.lowerBound + 2
                out.dataHexCount = r.count - 2
            case K.blockNumber: out.blockNumber = try c.blockNumber("log.blockNumber")
            case K.blockHash: out.blockHash = try c.hash("log.blockHash")
            case K.transactionHash: out.transactionHash = try c.hash("log.transactionHash")
            case K.transactionIndex: out.transactionIndex = try c.quantity("log.transactionIndex")
            case K.logIndex: out.logIndex = try c.quantity("log.logIndex")
            case K.removed: out.removed = try c.bool("log.removed")
            case K.number: out.number = try c.blockNumber("head.number")
            case K.hash: out.hash = try c.hash("head.hash")
            case K.parentHash: out.parentHash = try c.hash("head.parentHash")
            case K.timestamp: out.timestamp = try c.quantity("head.timestamp")
            case K.baseFee: out.baseFee = try c.quantity("head.baseFeePerGas")
            default: try c.skipValue()
            }
        }
    }

    mutating func topics(_ out: inout ResultFields) throws(FrameError) {
        try consume(UInt8(ascii: "["), "[ of topics")
        var count = 0
        skipWhitespace()
        if i < n, p[i] == UInt8(ascii: "]") {
            i += 1
        } else {
            while true {
                let h = try hash("log.topics")
                switch count {
                case 0: out.topics.0 = h
                case 1: out.topics.1 = h
                case 2: out.topics.2 = h
                case 3: out.topics.3 = h
                default: throw FrameError(.wrongType, "log.topics has more than 4 entries")
                }
                count += 1
                skipWhitespace()
                guard i < n else { throw FrameError(.malformedJSON, "truncated topics") }
                if p[i] == UInt8(ascii: ",") { i += 1; continue }
                if p[i] == UInt8(ascii: "]") { i += 1; break }
                throw FrameError(.malformedJSON, "expected , or ] in topics")
            }
        }
        out.topicCount = count
    }
}
