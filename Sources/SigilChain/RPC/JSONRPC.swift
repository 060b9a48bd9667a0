import Foundation

/// A way to send JSON-RPC calls to a node (HTTP or WebSocket).
public protocol JSONRPCTransport: Sendable {
    /// Sends one call and returns its `result`, or throws the node's error as `ChainError`.
    func call(_ method: String, _ params: [JSONValue]) async throws -> JSONValue
}

/// JSON-RPC 2.0 envelopes.
enum JSONRPC {
    struct Request: Encodable {
        let jsonrpc = "2.0"
        let id: Int64
        let method: String
        let params: [JSONValue]
    }

    struct ErrorObject: Decodable {
        let code: Int
        let message: String
        let data: JSONValue?
    }

    struct Response: Decodable {
        let id: JSONValue?
        let result: JSONValue?
        let error: ErrorObject?

        enum CodingKeys: String, CodingKey { case id, result, error }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decodeIfPresent(JSONValue.self, forKey: .id)
            error = try c.decodeIfPresent(ErrorObject.self, forKey: .error)
            // `"result": null` is a valid answer (an unknown receipt); keep it apart from absence.
            if c.contains(.result) {
                result = try c.decodeIfPresent(JSONValue.self, forKey: .result) ?? .null
            } else {
                result = nil
            }
        }

        func value() throws(ChainError) -> JSONValue {
            if let error {
                throw ChainError.rpc(code: error.code, message: error.message, data: error.data?.stringValue)
            }
            guard let result else { throw ChainError.malformed("response has neither result nor error") }
            return result
        }
    }

    static func encode(id: Int64, method: String, params: [JSONValue]) -> Data {
        // Encoding a request of JSONValues cannot fail.
        (try? JSONEncoder().encode(Request(id: id, method: method, params: params))) ?? Data()
    }

    static func decodeResponse(_ data: Data) throws(ChainError) -> Response {
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw ChainError.malformed("not a JSON-RPC response: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
    }

    static func decodeBatch(_ data: Data) throws(ChainError) -> [Response] {
        do {
            return try JSONDecoder().decode([Response].self, from: data)
        } catch {
            throw ChainError.malformed("not a JSON-RPC batch response: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
    }
}
