import Foundation
import Hummingbird
import NIOCore
import ServiceLifecycle
import SigilRuntime
import Synchronization

/// The live dashboard's routes: the page, its script and style (all in `DashboardAssets`, no
/// outside resource), and `GET /api/stream`, server-sent events carrying the run's status once a
/// second and what the dashboard log gained (outputs, prices, equity) every quarter second.
enum DashboardRoutes {
    /// Streams served at once; more are refused with 503 (each holds a connection and a cursor).
    static let streamLimit = 16
    static let tick = Duration.milliseconds(250)
    static let statusEvery = 4

    /// Only this server's own script, style and stream; nothing inline, nothing from elsewhere.
    static let policy = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'"

    static func add(to router: Router<BasicRequestContext>, status: @escaping @Sendable () -> RunStatus, log: DashboardLog) {
        router.get("/") { _, _ in asset(DashboardAssets.html, "text/html; charset=utf-8") }
        router.get("/dashboard.js") { _, _ in asset(DashboardAssets.script, "text/javascript; charset=utf-8") }
        router.get("/dashboard.css") { _, _ in asset(DashboardAssets.style, "text/css; charset=utf-8") }
        router.get("/favicon.svg") { _, _ in asset(DashboardAssets.icon, "image/svg+xml") }
        let open = Atomic<Int>(0)
        router.get("/api/stream") { _, _ -> Response in
            guard open.add(1, ordering: .relaxed).newValue <= streamLimit else {
                open.subtract(1, ordering: .relaxed)
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain", .retryAfter: "5"],
                                body: .init(byteBuffer: ByteBuffer(string: "too many dashboard streams (at most \(streamLimit))\n")))
            }
            var headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-store"]
            headers[.xContentTypeOptions] = "nosniff"
            return Response(status: .ok, headers: headers, body: .init { writer in
                defer { open.subtract(1, ordering: .relaxed) }
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                var cursor = DashboardLog.Cursor()
                var ticks = 0
                // Ends when the client goes (the write fails) or the server shuts down.
                while !Task.isCancelled, !Task.isShuttingDownGracefully {
                    var chunk = ""
                    if ticks % statusEvery == 0 {
                        chunk += "event: status\ndata: " + String(decoding: MetricsServer.statusJSON(status()), as: UTF8.self) + "\n\n"
                    }
                    if let update = log.update(since: &cursor) { chunk += "event: update\ndata: " + update + "\n\n" }
                    if chunk.isEmpty, ticks % 60 == 0 { chunk = ": still here\n\n" }
                    if !chunk.isEmpty { try await writer.write(ByteBuffer(string: chunk)) }
                    ticks += 1
                    try? await Task.sleep(for: tick)
                }
                try await writer.finish(nil)
            })
        }
    }

    static func asset(_ text: String, _ type: String) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-cache"]
        headers[.contentSecurityPolicy] = policy
        headers[.xContentTypeOptions] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
