import Foundation
public import Hummingbird
public import Logging
import NIOCore
import SigilChain
public import SigilContrib
import SigilCore
import SigilModels
public import SigilRuntime

/// `sigil coordinator serve`: the coordinator's HTTP API (Hummingbird).
///
/// - `POST /v1/submissions` with `{"manifest": base64, "weights": base64, "signature": "0x…"}`
///   → `200` and the verdict (`id`, `verdict`, `detail`, `contributor`, `nonce`, `baseLoss`,
///   `newLoss`, `improvement`, `reward`); `400` for a body that is not that JSON; `413` beyond
///   twice the package limit (anything smaller is decided and recorded, oversize included).
/// - `GET /v1/submissions[?contributor=0x…]` → `{"submissions": [ledger rows, newest first]}`
/// - `GET /v1/totals` → `{"submissions", "accepted", "rewards"}`
/// - `GET /health` → `ok`
public enum CoordinatorServer {
    /// Builds the coordinator a configuration describes (the held-out set is read once here).
    public static func coordinator(_ c: CoordinatorConfig) throws -> Coordinator {
        let heldOut = try Dataset.build(recordings: try ReplayRun.recordings(c.heldOut), horizon: c.horizon)
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
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ContribError("the weights of version \(entry.version) are not at \(path)")
            }
            return [UInt8](data)
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
                return json(["error": "the request is larger than \(hardLimit) bytes"], status: .contentTooLarge)
            }
            guard let obj = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any],
                  let m = (obj["manifest"] as? String).flatMap({ Data(base64Encoded: $0) }),
                  let w = (obj["weights"] as? String).flatMap({ Data(base64Encoded: $0) }),
                  let s = (obj["signature"] as? String).flatMap({ Hex.decode($0) })
            else {
                return json(["error": "expected {\"manifest\": base64, \"weights\": base64, \"signature\": \"0x…\"}"], status: .badRequest)
            }
            do {
                let v = try await coordinator.submit(manifest: [UInt8](m), weights: [UInt8](w), signature: s)
                return json(verdictObject(v), status: .ok)
            } catch {
                // The coordinator could not decide (its registry, its copy of the weights, the publish
                // transaction): say why; the submission can be sent again with a new nonce.
                return json(["error": "the coordinator could not decide: \(error)"], status: .internalServerError)
            }
        }
        router.get("/v1/submissions") { request, _ -> Response in
            let contributor = request.uri.queryParameters.get("contributor").flatMap { Address(hex: $0) }
            let rows = try coordinator.ledger.entries(contributor: contributor).map(entryObject)
            return json(["submissions": rows], status: .ok)
        }
        router.get("/v1/totals") { _, _ -> Response in
            let t = try coordinator.ledger.totals()
            return json(["submissions": t.submissions, "accepted": t.accepted, "rewards": t.rewards], status: .ok)
        }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "sigil-coordinator"),
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }

    static func verdictObject(_ v: Verdict) -> [String: Any] {
        var o: [String: Any] = ["id": v.id, "verdict": v.reason.rawValue, "detail": v.detail, "reward": v.reward]
        if let c = v.contributor { o["contributor"] = "\(c)" }
        if let n = v.nonce { o["nonce"] = n }
        if let b = v.baseLoss { o["baseLoss"] = b }
        if let n = v.newLoss { o["newLoss"] = n }
        if let i = v.improvement { o["improvement"] = i }
        if let p = v.publishedVersion { o["publishedVersion"] = p }
        if let t = v.transactionHash { o["transactionHash"] = "\(t)" }
        return o
    }

    static func entryObject(_ e: Ledger.Entry) -> [String: Any] {
        var o: [String: Any] = ["id": e.id, "verdict": e.verdict, "detail": e.detail, "reward": e.reward]
        if let c = e.contributor { o["contributor"] = c }
        if let n = e.nonce { o["nonce"] = n }
        if let b = e.baseLoss { o["baseLoss"] = b }
        if let n = e.newLoss { o["newLoss"] = n }
        if let i = e.improvement { o["improvement"] = i }
        if let p = e.publishedVersion { o["publishedVersion"] = p }
        if let t = e.transactionHash { o["transactionHash"] = t }
        return o
    }

    static func json(_ obj: [String: Any], status: HTTPResponse.Status) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
