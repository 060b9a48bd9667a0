import Foundation
public import Hummingbird
public import Logging
import NIOCore
import SigilChain
public import SigilContrib
import SigilCore
import SigilModels
public import SigilRuntime
public import SigilPluginAPI

/// `sigil coordinator serve`: the coordinator's HTTP API (Hummingbird).
///
/// - `POST /v1/submissions` with `{"manifest": base64, "weights": base64, "signature": "0x…"}`
///   → `200` and the verdict (`id`, `verdict`, `detail`, `contributor`, `nonce`, `baseLoss`,
///   `newLoss`, `improvement`, `reward`); `400` for a body that is not that JSON; `413` beyond
///   twice the package limit (anything smaller is decided and recorded, oversize included).
/// - `GET /v1/submissions[?contributor=0x…][&limit=N][&before=ID]` → `{"submissions": [ledger rows,
///   newest first, at most N (default 100, at most 1,000)], "next": ID}`; `next` (when more
///   remain) is the `before` of the next page; an invalid parameter is `400`
/// - `POST` bodies must be `Content-Type: application/json` (`415` otherwise)
/// - `GET /v1/totals` → `{"submissions", "accepted", "rewards"}`
/// - `GET /health` → `ok`
public enum CoordinatorServer {
    /// Builds the coordinator a configuration describes (the held-out rows of every registered
    /// feature set are built once here).
    public static func coordinator(_ c: CoordinatorConfig, plugins: PluginRegistry) throws -> Coordinator {
        let heldOut = HeldOutSet(recordings: try ReplayRun.recordings(c.heldOut), horizon: c.horizon, plugins: plugins)
        try heldOut.prepare()
        var policy = Coordinator.Policy()
        policy.epsilon = c.epsilon
        policy.rewardPerUpdate = c.rewardPerUpdate
        policy.maxPackageBytes = c.maxPackageBytes
        policy.maxRelativeDistance = c.maxRelativeDistance
        let dir = c.weightsDirectory
        var publishing: (publisher: RegistryPublisher, directory: String)?
        if let p = c.publish, case .onChain(let rpc, let address) = c.registry {
            let source: KeystoreFile.PasswordSource = p.passwordFile.map { .file($0) } ?? p.passwordEnv.map { .environment($0) } ?? .prompt
            let key = try KeystoreFile.open(p.keystore, password: source)
            publishing = (RegistryPublisher(rpc: HTTPRPCClient(url: rpc), registry: address, key: key), p.directory)
        }
        return Coordinator(registry: try c.registry.source(), heldOut: heldOut, policy: policy, ledger: try Ledger(path: c.ledger),
                           publishing: publishing) { entry in
            let uri = entry.uri.hasPrefix("file://") ? String(entry.uri.dropFirst("file://".count)) : entry.uri
            let path = dir.map { $0 + "/" + (uri as NSString).lastPathComponent } ?? uri
            do { return try InputFile.bytes(path, what: "weights of version \(entry.version)", limit: ModelHash.maxModelBytes) } catch {
                throw ContribError("the coordinator's copy of version \(entry.version): \(error)")
            }
        }
    }

    /// The HTTP application serving `coordinator`; `onListening` gets the bound port.
    public static func application(_ coordinator: Coordinator, host: String, port: Int, maxPackageBytes: Int, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        let hardLimit = 2 * maxPackageBytes + 4_096
        router.get("/health") { _, _ in "ok" }
        router.post("/v1/submissions") { request, _ -> Response in
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: hardLimit) } catch {
                return failure("the request is larger than \(hardLimit) bytes", status: .contentTooLarge)
            }
            let parsed = SubmissionRequest.parse(body: Array(body.readableBytesView), contentType: request.headers[.contentType])
            let submission: SubmissionRequest
            switch parsed {
            case .success(let r): submission = r
            case .failure(let refusal):
                return failure(refusal.message, status: .init(code: refusal.status))
            }
            do {
                let v = try await coordinator.submit(manifest: submission.manifest, weights: submission.weights, signature: submission.signature)
                return json(CoordinatorAPI.Verdict(v), status: .ok)
            } catch {
                // The coordinator could not decide (its registry, its copy of the weights, the publish
                // transaction): say why; the submission can be sent again with a new nonce.
                return failure("the coordinator could not decide: \(error)", status: .internalServerError)
            }
        }
        router.get("/v1/submissions") { request, _ -> Response in
            let q = request.uri.queryParameters
            if let extra = q.first(where: { !["contributor", "limit", "before"].contains(String($0.key)) }) {
                return failure("unknown query parameter \(TerminalText.escaped(extra.key.prefix(64))); valid: contributor, limit, before", status: .badRequest)
            }
            var contributor: Address?
            if let text = q.get("contributor") {
                guard let a = Address(hex: text) else {
                    return failure("contributor must be a 0x address of 40 hex digits", status: .badRequest)
                }
                contributor = a
            }
            var limit = Ledger.defaultPage
            if let text = q.get("limit") {
                guard let n = Int(text), (1...Ledger.maxPage).contains(n) else {
                    return failure("limit must be a whole number from 1 to \(Ledger.maxPage)", status: .badRequest)
                }
                limit = n
            }
            var before: Int64?
            if let text = q.get("before") {
                guard let n = Int64(text), n > 0 else { return failure("before must be a positive submission id", status: .badRequest) }
                before = n
            }
            let page = try await coordinator.ledger.page(contributor: contributor, before: before, limit: limit)
            return json(CoordinatorAPI.Listing(submissions: page.entries.map(CoordinatorAPI.Verdict.init), next: page.next), status: .ok)
        }
        router.get("/v1/totals") { _, _ -> Response in
            let t = try await coordinator.ledger.totalsAsync()
            return json(CoordinatorAPI.Totals(submissions: t.submissions, accepted: t.accepted, rewards: t.rewards), status: .ok)
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "sigil-coordinator"),
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }

    static func json(_ body: some Encodable, status: HTTPResponse.Status) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(body)) ?? Data(#"{"error":"the answer could not be encoded"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func failure(_ message: String, status: HTTPResponse.Status) -> Response {
        json(CoordinatorAPI.Failure(error: message), status: status)
    }
}
