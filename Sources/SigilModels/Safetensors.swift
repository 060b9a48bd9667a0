import Foundation

/// The safetensors format: an 8-byte little-endian header length, a JSON header, then one
/// contiguous buffer holding every tensor.
///
/// Parsing is strict: a header over the size limit, a header that is not a JSON object, an
/// unknown dtype, a shape whose size disagrees with the byte range, and any hole, overlap or
/// out-of-range offset in the buffer are rejected with a `ModelError` that says which.
public struct Safetensors: Sendable {
    public enum DType: String, Sendable, CaseIterable {
        case F64, F32, F16, BF16, I64, I32, I16, I8, U64, U32, U16, U8, BOOL

        public var byteSize: Int {
            switch self {
            case .F64, .I64, .U64: 8
            case .F32, .I32, .U32: 4
            case .F16, .BF16, .I16, .U16: 2
            case .I8, .U8, .BOOL: 1
            }
        }
    }

    public struct Tensor: Sendable, Hashable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range inside the data buffer.
        public let range: Range<Int>

        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// Tensors in buffer order.
    public let tensors: [Tensor]
    /// The `__metadata__` string map (where Sigil keeps the model card).
    public let metadata: [String: String]
    /// The data buffer (everything after the header).
    public let buffer: [UInt8]

    /// The default bound on the JSON header.
    public static let defaultMaxHeaderBytes = 1 << 20

    public init(bytes: [UInt8], maxHeaderBytes: Int = Safetensors.defaultMaxHeaderBytes) throws(ModelError) {
        guard bytes.count >= 8 else { throw ModelError("safetensors: \(bytes.count) bytes, shorter than the 8-byte header length") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeaderBytes) else { throw ModelError("safetensors: header of \(n) bytes exceeds the \(maxHeaderBytes)-byte limit") }
        let headerEnd = 8 + Int(n)
        guard headerEnd <= bytes.count else { throw ModelError("safetensors: header of \(n) bytes runs past the end of the file") }
        guard n > 0, bytes[8] == UInt8(ascii: "{") else { throw ModelError("safetensors: the header is not a JSON object") }
        let header: [String: Any]
        do {
            guard let obj = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])) as? [String: Any] else {
                throw ModelError("safetensors: the header is not a JSON object")
            }
            header = obj
        } catch let e as ModelError {
            throw e
        } catch {
            throw ModelError("safetensors: the header is not valid JSON")
        }
        let buffer = Array(bytes[headerEnd...])
        var metadata: [String: String] = [:]
        var tensors: [Tensor] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else { throw ModelError("safetensors: __metadata__ is not an object") }
                for (k, v) in m {
                    guard let s = v as? String else { throw ModelError("safetensors: __metadata__[\(k)] is not a string") }
                    metadata[k] = s
                }
                continue
            }
            tensors.append(try Self.tensor(name, value, bufferSize: buffer.count))
        }
        tensors.sort { ($0.range.lowerBound, $0.range.upperBound, $0.name) < ($1.range.lowerBound, $1.range.upperBound, $1.name) }
        var expected = 0
        for t in tensors {
            guard t.range.lowerBound == expected else {
                throw ModelError(t.range.lowerBound > expected
                    ? "safetensors: a hole in the buffer before tensor '\(t.name)' (bytes \(expected)..<\(t.range.lowerBound))"
                    : "safetensors: tensor '\(t.name)' overlaps the tensor before it")
            }
            expected = t.range.upperBound
        }
        guard expected == buffer.count else {
            throw ModelError("safetensors: the tensors cover \(expected) of the buffer's \(buffer.count) bytes")
        }
        self.tensors = tensors
        self.metadata = metadata
        self.buffer = buffer
    }

    static func integer(_ v: Any) -> Int? {
        // JSON true/false also arrive as NSNumber (objCType "c"); only integers and floats count.
        guard let num = v as? NSNumber, String(cString: num.objCType) != "c" else { return nil }
        let d = num.doubleValue
        guard d >= 0, d <= 1e15, d.rounded() == d else { return nil }
        return Int(d)
    }

    static func tensor(_ name: String, _ value: Any, bufferSize: Int) throws(ModelError) -> Tensor {
        guard let obj = value as? [String: Any] else { throw ModelError("safetensors: entry '\(name)' is not an object") }
        let keys = Set(obj.keys)
        guard keys == ["dtype", "shape", "data_offsets"] else {
            throw ModelError("safetensors: tensor '\(name)' has keys \(keys.sorted()); expected [data_offsets, dtype, shape]")
        }
        guard let ds = obj["dtype"] as? String, let dtype = DType(rawValue: ds) else {
            throw ModelError("safetensors: tensor '\(name)' has unknown dtype \(obj["dtype"] ?? "nil"); known: \(DType.allCases.map(\.rawValue))")
        }
        guard let rawShape = obj["shape"] as? [Any] else { throw ModelError("safetensors: tensor '\(name)' shape is not an array") }
        var shape: [Int] = []
        for d in rawShape {
            guard let v = integer(d) else { throw ModelError("safetensors: tensor '\(name)' shape has a non-integer or negative dimension") }
            shape.append(v)
        }
        guard let offs = obj["data_offsets"] as? [Any], offs.count == 2, let begin = integer(offs[0]), let end = integer(offs[1]) else {
            throw ModelError("safetensors: tensor '\(name)' data_offsets is not [begin, end]")
        }
        guard begin <= end, end <= bufferSize else {
            throw ModelError("safetensors: tensor '\(name)' data_offsets [\(begin), \(end)] are outside the \(bufferSize)-byte buffer")
        }
        var count = 1
        for d in shape {
            let (m, o) = count.multipliedReportingOverflow(by: d)
            guard !o, m <= bufferSize else { throw ModelError("safetensors: tensor '\(name)' shape \(shape) is larger than the buffer") }
            count = m
        }
        guard count * dtype.byteSize == end - begin else {
            throw ModelError("safetensors: tensor '\(name)' is \(dtype.rawValue) \(shape) (\(count * dtype.byteSize) bytes) but data_offsets span \(end - begin)")
        }
        return Tensor(name: name, dtype: dtype, shape: shape, range: begin..<end)
    }

    public func tensor(named name: String) -> Tensor? { tensors.first { $0.name == name } }

    /// The values of an F32 tensor.
    public func floats(_ name: String) throws(ModelError) -> [Float] {
        guard let t = tensor(named: name) else { throw ModelError("safetensors: no tensor '\(name)'") }
        guard t.dtype == .F32 else { throw ModelError("safetensors: tensor '\(name)' is \(t.dtype.rawValue), F32 needed") }
        return buffer[t.range].withUnsafeBytes { raw in
            (0..<t.elementCount).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// Writes F32 tensors and string metadata as safetensors bytes (tensors in name order,
    /// header padded with spaces to a multiple of 8 bytes).
    public static func encode(_ tensors: [(name: String, shape: [Int], values: [Float])], metadata: [String: String]) throws(ModelError) -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var data = [UInt8]()
        for t in tensors.sorted(by: { $0.name < $1.name }) {
            guard t.shape.reduce(1, *) == t.values.count else { throw ModelError("tensor '\(t.name)': shape \(t.shape) does not hold \(t.values.count) values") }
            let begin = data.count
            for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [begin, data.count]] as [String: Any]
        }
        var json: [UInt8]
        do {
            json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        } catch {
            throw ModelError("cannot encode the safetensors header: \(error)")
        }
        while json.count % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var out = [UInt8]()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out += $0 }
        return out + json + data
    }
}
