import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
public import SigilRuntime

/// Reads a running bot's `GET /api/status`.
public enum StatusClient {
    /// The largest answer read.
    static let maxBytes = 1 << 20

    /// The status from the bot serving at `base` (`http://host:port`); throws saying why not.
    public static func fetch(_ base: String, timeout: Duration = .seconds(5)) async throws -> RunStatus {
        let url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/api/status"
        let response: HTTPClientResponse
        do {
            response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .milliseconds(Int64(timeout.components.seconds * 1_000)))
        } catch {
            throw MetricsServerError(description: "no bot answers at \(base): \(error)")
        }
        guard response.status == .ok else { throw MetricsServerError(description: "\(url) answered \(response.status.code)") }
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: maxBytes) } catch {
            throw MetricsServerError(description: "\(url) answered more than \(maxBytes) bytes")
        }
        do {
            return try JSONDecoder().decode(RunStatus.self, from: Data(body.readableBytesView))
        } catch {
            throw MetricsServerError(description: "\(url) did not answer a Sigil status: \(error)")
        }
    }
}
