// The chain's values as JSON strings (for engine snapshots): 0x-hex for addresses and hashes,
// decimal for 256-bit integers (an Int256 as its two's-complement bit pattern). Decoding
// checks the text like the values' own parsers do.

extension Address: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let a = Address(hex: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a 0x address of 40 hex digits")
        }
        self = a
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Hash32: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let h = Hash32(hex: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a 0x hash of 64 hex digits")
        }
        self = h
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension UInt256: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        guard let v = UInt256(decimal: try c.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "not a decimal uint256")
        }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

extension Int256: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(bits: try UInt256(from: decoder))
    }

    public func encode(to encoder: any Encoder) throws {
        try bits.encode(to: encoder)
    }
}
