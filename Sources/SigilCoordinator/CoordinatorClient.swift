import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SigilChain
public import SigilCore
public import SigilContrib

/// The coordinator client's connections. A submission may wait its turn at a busy coordinator
/// for up to its deadline (two minutes unless given); in the shared client's pool (8 connections a host) the 9th of
/// many concurrent requests would wait for a connection instead and fail after the 10 s connect
/// timeout, so up to 256 requests to one coordinator each get their own connection.
private let coordinatorHTTP: HTTPClient = {
    var c = HTTPClient.Configuration()
    c.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 256)
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: c)
}()

/// The contributor's side of the coordinator API: submit a package, read the verdicts.
public struct CoordinatorClient: Sendable {
    public let baseURL: String
    /// How long one request may take, its wait for its turn at a busy coordinator included.
    public let timeout: Duration

    public init(baseURL: String, timeout: Duration = .seconds(120)) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = timeout
    }

    /// Submits a package; returns the coordinator's verdict.
    public func submit(_ p: UpdatePackage) async throws -> CoordinatorAPI.Verdict {
        let body = CoordinatorAPI.Submission(manifest: Data(p.manifestBytes).base64EncodedString(), weights: Data(p.weights).base64EncodedString(),
                                             signature: "0x" + p.signature.bytes.map { String(format: "%02x", $0) }.joined())
        return try await request("POST", "/v1/submissions", body: try JSONEncoder().encode(body))
    }

    /// The ledger rows, newest first, of one contributor when given, page by page; at most
    /// `maxRows` of them.
    public func submissions(contributor: Address?, maxRows: Int = 100_000) async throws -> [CoordinatorAPI.Verdict] {
        var rows: [CoordinatorAPI.Verdict] = []
        var before: Int64?
        while rows.count < maxRows {
            var query = ["limit=1000"]
            if let contributor { query.append("contributor=\(contributor)") }
            if let before { query.append("before=\(before)") }
            let page: CoordinatorAPI.Listing = try await request("GET", "/v1/submissions?" + query.joined(separator: "&"), body: nil)
            rows += page.submissions
            guard let next = page.next, next < (before ?? .max), !page.submissions.isEmpty else { break }
            before = next
        }
        return Array(rows.prefix(maxRows))
    }

    public func totals() async throws -> CoordinatorAPI.Totals { try await request("GET", "/v1/totals", body: nil) }

    func request<Answer: Decodable>(_ method: String, _ path: String, body: Data?) async throws -> Answer {
        var req = HTTPClientRequest(url: baseURL + path)
        req.method = .init(rawValue: method)
        if let body {
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(bytes: body))
        }
        let response = try await coordinatorHTTP.execute(req, timeout: TimeAmount(timeout))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        let data = Data(bytes.readableBytesView)
        guard response.status == .ok else {
            let why = (try? JSONDecoder().decode(CoordinatorAPI.Failure.self, from: data))?.error ?? String(String(buffer: bytes).prefix(300))
            throw ContribError("\(method) \(baseURL)\(path): HTTP \(response.status.code) \(TerminalText.escaped(why))")
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw ContribError("\(method) \(baseURL)\(path): the answer is not a \(Answer.self): \(error)")
        }
    }

    /// One verdict on a line. Every value comes from the coordinator, so each is escaped before
    /// it reaches the terminal: a crafted nonce cannot move the cursor or fake another line.
    public static func line(_ v: CoordinatorAPI.Verdict) -> String {
        var s = "#\(v.id) \(TerminalText.escaped(v.verdict))"
        if let c = v.contributor { s += " \(TerminalText.escaped(c))" }
        if let n = v.nonce { s += " nonce \(TerminalText.escaped(n))" }
        if let b = v.baseLoss, let n = v.newLoss { s += String(format: " held-out loss %.5f → %.5f", b, n) }
        if v.reward > 0 { s += String(format: " reward %.2f", v.reward) }
        if !v.detail.isEmpty { s += ": " + TerminalText.escaped(v.detail) }
        return s
    }
}
