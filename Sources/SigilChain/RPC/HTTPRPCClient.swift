import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// JSON-RPC over HTTP(S) with async-http-client: single calls and batches.
public final class HTTPRPCClient: JSONRPCTransport {
    public let url: String
    let client: HTTPClient
    let timeout: TimeAmount
    let maxResponseBytes: Int
    let nextID = Atomic<Int64>(1)

    /// - Parameters:
    ///   - url: the node's `http://` or `https://` endpoint.
    ///   - timeout: per request.
    ///   - maxResponseBytes: a larger answer is refused rather than buffered.
    public init(url: String, timeout: Duration = .seconds(30), maxResponseBytes: Int = 64 << 20) {
        self.url = url
        self.client = HTTPClient.shared
        let (seconds, attoseconds) = timeout.components
        self.timeout = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        self.maxResponseBytes = maxResponseBytes
    }

    public func call(_ method: String, _ params: [JSONValue]) async throws -> JSONValue {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let body = try await post(JSONRPC.encode(id: id, method: method, params: params))
        return try JSONRPC.decodeResponse(body).value()
    }

    /// Sends several calls in one request; results come back in the order of `calls`, each a
    /// value or the node's error for that call.
    public func batch(_ calls: [(method: String, params: [JSONValue])]) async throws -> [Result<JSONValue, ChainError>] {
        guard !calls.isEmpty else { return [] }
        let first = nextID.wrappingAdd(Int64(calls.count), ordering: .relaxed).oldValue
        var json = Data("[".utf8)
        for (k, c) in calls.enumerated() {
            if k > 0 { json.append(UInt8(ascii: ",")) }
            json.append(JSONRPC.encode(id: first + Int64(k), method: c.method, params: c.params))
        }
        json.append(UInt8(ascii: "]"))
        let responses = try JSONRPC.decodeBatch(try await post(json))
        var byID: [Int64: JSONRPC.Response] = [:]
        for r in responses { if case .int(let id)? = r.id { byID[id] = r } }
        return (0..<calls.count).map { k in
            guard let r = byID[first + Int64(k)] else { return .failure(ChainError.malformed("batch answer lacks id \(first + Int64(k))")) }
            do throws(ChainError) { return .success(try r.value()) } catch { return .failure(error) }
        }
    }

    func post(_ body: Data) async throws -> Data {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: timeout)
        } catch {
            throw ChainError.transport("\(url): \(error)")
        }
        guard response.status == .ok else { throw ChainError.transport("\(url): HTTP \(response.status.code)") }
        do {
            var buffer = try await response.body.collect(upTo: maxResponseBytes)
            return Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        } catch {
            throw ChainError.transport("\(url): reading the answer: \(error)")
        }
    }
}
