import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SigilBundle
import SigilRuntime
import SigilChain
import SigilContrib
import SigilCoordinator
import SigilCore
import SigilModels
import SigilTestSupport
import Testing

/// Issue 9's coordinator findings: nonces bounded and plain, a listing paginated and its
/// parameters checked, JSON required, and what a client prints escaped.
@Suite(.serialized) struct CoordinatorHardeningTests {
    static func manifest(nonce: String, key: PrivateKey) -> (bytes: [UInt8], signature: [UInt8]) {
        let m = UpdateManifest(modelId: ModelID.parse("sigil/model-signal"), baseVersion: 1, baseHash: .zero, newHash: .zero,
                               metrics: ["trainRows": "10"], dataFingerprint: .zero, contributor: key.address, nonce: nonce, timestamp: 1)
        let bytes = m.canonicalBytes
        return (bytes, (try? PersonalMessage.sign(bytes, with: key).bytes) ?? [])
    }

    static func raw(_ url: String, method: String = "GET", body: String? = nil, contentType: String? = nil) async throws -> (Int, String) {
        var req = HTTPClientRequest(url: url)
        req.method = .init(rawValue: method)
        if let contentType { req.headers.add(name: "Content-Type", value: contentType) }
        if let body { req.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(req, timeout: TimeAmount(testPatience))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 16 << 20)))
    }

    @Test func noncesThatAreHugeOrCarryControlsOrPathsAreRefused() async throws {
        try await CoordinatorAPITests.withServer { client, cfg in
            let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [3])
            let coordinator = try CoordinatorServer.coordinator(cfg, plugins: Components.bundled.plugins)
            let hostile = [String(repeating: "n", count: 3 << 20), "a\u{0}b", "../../etc/passwd", "\u{1b}[1A\r#7 accepted reward 1000", "", "é"]
            for nonce in hostile {
                let (m, s) = Self.manifest(nonce: nonce, key: key)
                let v = try await coordinator.submit(manifest: m, weights: [], signature: s)
                #expect(v.reason == .malformedManifest || v.reason == .oversize, "\(nonce.prefix(20)): \(v.reason)")
                #expect(v.nonce == nil)
            }
            _ = client
        }
    }

    @Test func theAPIRefusesWhatItCannotServe() async throws {
        try await CoordinatorAPITests.withServer { client, _ in
            let base = client.baseURL
            let body = #"{"manifest":"e30=","weights":"","signature":"0x00"}"#
            #expect(try await Self.raw(base + "/v1/submissions", method: "POST", body: body, contentType: "text/plain").0 == 415)
            #expect(try await Self.raw(base + "/v1/submissions", method: "POST", body: body).0 == 415)
            #expect(try await Self.raw(base + "/v1/submissions", method: "POST", body: "[1]", contentType: "application/json").0 == 400)
            #expect(try await Self.raw(base + "/v1/submissions", method: "POST", body: #"{"manifest":"e30=","weights":"","signature":"0x00","x":1}"#,
                                       contentType: "application/json; charset=utf-8").0 == 400)
            #expect(try await Self.raw(base + "/v1/submissions?contributor=0xnothex").0 == 400)
            #expect(try await Self.raw(base + "/v1/submissions?limit=0").0 == 400)
            #expect(try await Self.raw(base + "/v1/submissions?limit=1001").0 == 400)
            #expect(try await Self.raw(base + "/v1/submissions?before=-4").0 == 400)
            #expect(try await Self.raw(base + "/v1/submissions?color=red").0 == 400)
            let (ok, _) = try await Self.raw(base + "/v1/submissions", method: "POST", body: body, contentType: "application/json")
            #expect(ok == 200)
        }
    }

    /// 250 submissions listed 100 at a time: every row once, in order; the client pages through
    /// them all; `/health` answers while 200 page listings are in flight (the bound is loose: the
    /// rest of the suite shares the two cores).
    @Test func listingsArePaginatedAndDoNotStallTheServer() async throws {
        try await CoordinatorAPITests.withServer { client, cfg in
            let key = try PrivateKey(bytes: [UInt8](repeating: 0, count: 31) + [5])
            let coordinator = try CoordinatorServer.coordinator(cfg, plugins: Components.bundled.plugins)
            for i in 0..<250 {
                let (m, _) = Self.manifest(nonce: "p\(i)", key: key)
                _ = try await coordinator.submit(manifest: m, weights: [], signature: [1, 2, 3])
            }
            var ids: [Int64] = []
            var before: Int64?
            repeat {
                let (status, text) = try await Self.raw(client.baseURL + "/v1/submissions?limit=100" + (before.map { "&before=\($0)" } ?? ""))
                #expect(status == 200)
                let obj = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] ?? [:]
                let rows = obj["submissions"] as? [[String: Any]] ?? []
                #expect(rows.count <= 100)
                ids += rows.compactMap { ($0["id"] as? NSNumber)?.int64Value }
                before = (obj["next"] as? NSNumber)?.int64Value
            } while before != nil
            #expect(ids.count == 250 && Set(ids).count == 250 && ids == ids.sorted(by: >))
            #expect(try await client.submissions(contributor: nil).count == 250)
            #expect(try await client.submissions(contributor: key.address).count == 250)
            // /health is answered while 200 listings are in flight (how fast is printed: it depends
            // on the machine; the deadline only turns a starved /health into a failure).
            let listed = Counter()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<200 {
                    group.addTask {
                        _ = try await Self.raw(client.baseURL + "/v1/submissions")
                        listed.add()
                    }
                }
                group.addTask {
                    // Its own client: the shared one queues requests beyond 8 per host.
                    let probe = HTTPClient(eventLoopGroupProvider: .singleton)
                    let t = ContinuousClock.now
                    let response = try await probe.execute(HTTPClientRequest(url: client.baseURL + "/health"), timeout: TimeAmount(testPatience))
                    let text = String(buffer: try await response.body.collect(upTo: 1_024))
                    try await probe.shutdown()
                    #expect(response.status.code == 200 && text == "ok")
                    print("/health answered in \(ContinuousClock.now - t), \(listed.value) of 200 listings done by then")
                }
                try await group.waitForAll()
            }
            #expect(listed.value == 200)
        }
    }

    @Test func whatTheCoordinatorSaysIsEscapedBeforeItIsPrinted() {
        let row = CoordinatorAPI.Verdict(id: 7, verdict: "malformed_manifest", detail: "evil\u{7}\u{202e}txt", reward: 0, contributor: "0x01",
                                         nonce: "x\u{1b}[2K\r#8 accepted reward 1000\n")
        let line = CoordinatorClient.line(row)
        #expect(!line.unicodeScalars.contains { TerminalText.isUnsafe($0) })
        #expect(line.contains("\\u{1b}[2K\\u{d}#8 accepted") && line.contains("\\u{202e}"))
    }
}
