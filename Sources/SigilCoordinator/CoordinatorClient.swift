import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SigilChain
public import SigilContrib

/// The contributor's side of the coordinator API: submit a package, read the verdicts.
public struct CoordinatorClient: Sendable {
    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// Submits a package; returns the verdict object as the coordinator sent it.
    public func submit(_ p: UpdatePackage) async throws -> [String: Any] {
        let body: [String: Any] = ["manifest": Data(p.manifestBytes).base64EncodedString(), "weights": Data(p.weights).base64EncodedString(),
                                   "signature": "0x" + p.signature.bytes.map { String(format: "%02x", $0) }.joined()]
        return try await request("POST", "/v1/submissions", body: try JSONSerialization.data(withJSONObject: body))
    }

    /// The ledger rows, of one contributor when given.
    public func submissions(contributor: String?) async throws -> [[String: Any]] {
        let obj = try await request("GET", "/v1/submissions" + (contributor.map { "?contributor=\($0)" } ?? ""), body: nil)
        return obj["submissions"] as? [[String: Any]] ?? []
    }

    public func totals() async throws -> [String: Any] { try await request("GET", "/v1/totals", body: nil) }

    func request(_ method: String, _ path: String, body: Data?) async throws -> [String: Any] {
        var req = HTTPClientRequest(url: baseURL + path)
        req.method = .init(rawValue: method)
        if let body {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await HTTPClient.shared.execute(req, timeout: .seconds(120))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let obj = (try? JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))) as? [String: Any]
        guard response.status == .ok, let obj else {
            throw ContribError("\(method) \(baseURL)\(path): HTTP \(response.status.code) \((obj?["error"] as? String) ?? String(String(buffer: bytes).prefix(300)))")
        }
        return obj
    }
}
