import Foundation

/// Writes JSON text directly, byte for byte as Foundation's `JSONSerialization` with
/// `.sortedKeys` writes the same values (the format Sigil's outputs have always had), without
/// building `[String: Any]` trees: objects are written through `object { … }` with their keys
/// sorted the way JSONSerialization sorts them.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// True right after `{` or `[`: the next member or element needs no comma.
    var atStart = true

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// JSONSerialization's key order: numeric, case-insensitive, ties broken by code points, in
    /// the system locale.
    public static func ordered(_ a: String, _ b: String) -> Bool {
        // Keys of ASCII letters alone (nearly all of them) that differ other than in case:
        // the collation's order is the alphabet's, with a prefix first.
        if let fast = lettersOrder(a, b) { return fast }
        return a.compare(b, options: [.numeric, .caseInsensitive, .forcedOrdering], range: nil, locale: systemLocale) == .orderedAscending
    }

    static let systemLocale = Locale(identifier: "")

    /// `ordered` for two keys made of ASCII letters that are not equal ignoring case; nil otherwise.
    static func lettersOrder(_ a: String, _ b: String) -> Bool? {
        var i = a.utf8.makeIterator(), j = b.utf8.makeIterator()
        while true {
            switch (i.next(), j.next()) {
            case (nil, nil): return nil
            case (nil, let y?):
                guard isLetter(y) else { return nil }
                while let y = j.next() { guard isLetter(y) else { return nil } }
                return true
            case (let x?, nil):
                guard isLetter(x) else { return nil }
                while let x = i.next() { guard isLetter(x) else { return nil } }
                return false
            case (let x?, let y?):
                guard isLetter(x), isLetter(y) else { return nil }
                let (lx, ly) = (x | 0x20, y | 0x20)
                if lx != ly {
                    // The rest must be letters too for the answer to be the alphabet's.
                    while let x = i.next() { guard isLetter(x) else { return nil } }
                    while let y = j.next() { guard isLetter(y) else { return nil } }
                    return lx < ly
                }
            }
        }
    }

    static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z") }

    /// One member value of an object under construction.
    public enum Value {
        case string(String)
        case int(Int64)
        case uint(UInt64)
        case double(Double)
        case bool(Bool)
        case strings([String])
        case stringMap([String: String])
        case object((inout JSONWriter) -> Void)
        case objects([(inout JSONWriter) -> Void])
    }

    /// Writes an object whose members are `members`, keys sorted as JSONSerialization sorts them.
    public mutating func object(_ members: [(String, Value)]) {
        bytes.append(UInt8(ascii: "{"))
        var first = true
        for (key, value) in members.sorted(by: { Self.ordered($0.0, $1.0) }) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            string(key)
            bytes.append(UInt8(ascii: ":"))
            write(value)
        }
        bytes.append(UInt8(ascii: "}"))
        atStart = false
    }

    // MARK: fixed keys
    //
    // Objects whose keys are fixed are written member by member, the caller listing them in
    // JSONSerialization's order (tests compare the result with JSONSerialization's): no member
    // list, no closures, no sort.

    /// `{`: members follow, through `key(_:)`.
    public mutating func open() {
        bytes.append(UInt8(ascii: "{"))
        atStart = true
    }

    public mutating func close() {
        bytes.append(UInt8(ascii: "}"))
        atStart = false
    }

    /// `[`: elements follow, each after `element()`.
    public mutating func openArray() {
        bytes.append(UInt8(ascii: "["))
        atStart = true
    }

    public mutating func closeArray() {
        bytes.append(UInt8(ascii: "]"))
        atStart = false
    }

    /// Before each element of an array.
    public mutating func element() {
        if !atStart { bytes.append(UInt8(ascii: ",")) }
        atStart = false
    }

    /// A member's key: ASCII that needs no escape (the caller's fixed keys).
    public mutating func key(_ k: StaticString) {
        element()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: k.utf8Start, count: k.utf8CodeUnitCount))
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    public mutating func uint(_ u: UInt64) {
        var count = 1, rest = u
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        let end = bytes.count + count
        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        var v = u, i = end
        while v > 0 {
            i -= 1
            bytes[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
        }
    }

    public mutating func bool(_ b: Bool) { bytes.append(contentsOf: (b ? "true" : "false").utf8) }

    /// An address as a string: `"0x"` and 40 lower-case hex digits.
    public mutating func address(_ a: Address) {
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "0"), UInt8(ascii: "x")])
        hexDigits(a.hi, 16)
        hexDigits(a.mid, 16)
        hexDigits(UInt64(a.lo), 8)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A 32-byte value as a string: `"0x"` and 64 lower-case hex digits.
    public mutating func hash(_ h: Hash32) {
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: "0"), UInt8(ascii: "x")])
        for w in [h.w0, h.w1, h.w2, h.w3] { hexDigits(w, 16) }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func hexDigits(_ v: UInt64, _ count: Int) {
        for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(Self.hex[Int((v >> (4 * UInt64(i))) & 0xf)]) }
    }

    /// A string map as an object, keys sorted as JSONSerialization sorts them.
    public mutating func stringMap(_ m: [String: String]) {
        open()
        for (k, v) in m.sorted(by: { Self.ordered($0.key, $1.key) }) {
            element()
            string(k)
            bytes.append(UInt8(ascii: ":"))
            string(v)
        }
        close()
    }

    mutating func write(_ value: Value) {
        switch value {
        case .string(let s): string(s)
        case .int(let i): bytes.append(contentsOf: String(i).utf8)
        case .uint(let u): uint(u)
        case .double(let d): double(d)
        case .bool(let b): bool(b)
        case .strings(let a):
            bytes.append(UInt8(ascii: "["))
            for (i, s) in a.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(s)
            }
            bytes.append(UInt8(ascii: "]"))
        case .stringMap(let m):
            stringMap(m)
        case .object(let body):
            body(&self)
        case .objects(let bodies):
            bytes.append(UInt8(ascii: "["))
            for (i, body) in bodies.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                body(&self)
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }

    /// A number as JSONSerialization writes it: the shortest round-trip form, with no `.0` on
    /// whole values. Not-finite values have no JSON form: written as null.
    public mutating func double(_ d: Double) {
        guard d.isFinite else {
            bytes.append(contentsOf: "null".utf8)
            return
        }
        var s = d.description
        if s.hasSuffix(".0") { s.removeLast(2) }
        bytes.append(contentsOf: s.utf8)
    }

    /// A value already written as JSON (by this writer or another), copied as it is.
    public mutating func encoded(_ json: String) {
        bytes.append(contentsOf: json.utf8)
        atStart = false
    }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// A string with JSONSerialization's escapes: `"`, `\`, `/`, the short control escapes, and
    /// `\u00XX` for other control characters.
    public mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5c, 0x22])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5c, 0x5c])
            case UInt8(ascii: "/"): bytes.append(contentsOf: [0x5c, 0x2f])
            case 0x0a: bytes.append(contentsOf: [0x5c, UInt8(ascii: "n")])
            case 0x0d: bytes.append(contentsOf: [0x5c, UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [0x5c, UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [0x5c, UInt8(ascii: "b")])
            case 0x0c: bytes.append(contentsOf: [0x5c, UInt8(ascii: "f")])
            case 0..<0x20:
                bytes.append(contentsOf: [0x5c, UInt8(ascii: "u"), 0x30, 0x30, Self.hex[Int(b >> 4)], Self.hex[Int(b & 0xf)]])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
