import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SigilChain
public import SigilCore
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

    /// The ledger rows, newest first, of one contributor when given, page by page; at most
    /// `maxRows` of them.
    public func submissions(contributor: Address?, maxRows: Int = 100_000) async throws -> [[String: Any]] {
        var rows: [[String: Any]] = []
        var before: Int64?
        while rows.count < maxRows {
            var query = ["limit=1000"]
            if let contributor { query.append("contributor=\(contributor)") }
            if let before { query.append("before=\(before)") }
            let obj = try await request("GET", "/v1/submissions?" + query.joined(separator: "&"), body: nil)
            guard let page = obj["submissions"] as? [[String: Any]] else { throw ContribError("the coordinator's listing has no submissions array") }
            rows += page
            guard let next = (obj["next"] as? NSNumber)?.int64Value, next < (before ?? .max), !page.isEmpty else { break }
            before = next
        }
        return Array(rows.prefix(maxRows))
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

    /// One verdict on a line. Every value comes from the coordinator, so each is escaped before
    /// it reaches the terminal: a crafted nonce cannot move the cursor or fake another line.
    public static func line(_ v: [String: Any]) -> String {
        func text(_ x: Any?) -> String { TerminalText.escaped(x.map { "\($0)" } ?? "?") }
        var s = "#\(text(v["id"])) \(text(v["verdict"]))"
        if let c = v["contributor"] { s += " \(text(c))" }
        if let n = v["nonce"] { s += " nonce \(text(n))" }
        if let b = v["baseLoss"] as? Double, let n = v["newLoss"] as? Double { s += String(format: " held-out loss %.5f → %.5f", b, n) }
        if let r = v["reward"] as? Double, r > 0 { s += String(format: " reward %.2f", r) }
        if let d = v["detail"] as? String, !d.isEmpty { s += ": " + TerminalText.escaped(d) }
        return s
    }
}
