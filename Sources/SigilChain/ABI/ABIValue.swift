public import BigInt
public import SigilCore

/// A value to encode or a decoded value, shaped like its `ABIType`.
public indirect enum ABIValue: Hashable, Sendable {
    case uint(BigUInt)
    case int(BigInt)
    case address(Address)
    case bool(Bool)
    /// `bytesN`: exactly N bytes.
    case fixedBytes([UInt8])
    case bytes([UInt8])
    case string(String)
    /// Both `T[]` and `T[k]`.
    case array([ABIValue])
    case tuple([ABIValue])
}
