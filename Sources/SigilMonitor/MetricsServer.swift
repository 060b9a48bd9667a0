import CoreMetrics
import Foundation
public import Hummingbird
public import Logging
import NIOCore
import NIOPosix
public import Prometheus
public import SigilRuntime

/// Serves a run's metrics in Prometheus' text format at `GET /metrics` (Hummingbird), from a
/// swift-prometheus registry that `RunMetrics` writes to through swift-metrics.
public enum MetricsServer {
    /// A Prometheus registry and the swift-metrics factory that writes to it, with buckets fit
    /// for Sigil's latencies (inference in microseconds, commits in milliseconds).
    public static func makeFactory() -> (registry: PrometheusCollectorRegistry, factory: PrometheusMetricsFactory) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let micro: [Duration] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 5_000].map { .microseconds($0) }
        let milli: [Duration] = [50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 500_000, 1_000_000].map { .microseconds($0) }
        factory.durationHistogramBuckets = [RunMetrics.inferenceSeconds: micro, RunMetrics.commitSeconds: milli,
                                            RunMetrics.frameToCommitSeconds: milli]
        return (registry, factory)
    }

    /// Fails, saying why, when `host:port` cannot be listened on (in use, not an address of
    /// this machine), so a run refuses to start rather than failing once under way.
    public static func checkListenable(host: String, port: Int) async throws {
        do {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
            try await channel.close()
        } catch {
            throw MetricsServerError(description: "cannot serve metrics on \(host):\(port): \(error)")
        }
    }

    /// The HTTP application: `GET /metrics`, `GET /api/status` (the run's `RunStatus` as JSON),
    /// `GET /health`, and the live dashboard (`GET /` with its script and style, fed by the
    /// server-sent events of `GET /api/stream`); anything else is 404.
    /// `onListening` gets the bound port (useful with port 0).
    public static func application(registry: PrometheusCollectorRegistry, status: @escaping @Sendable () -> RunStatus,
                                   dashboard: DashboardLog = DashboardLog(),
                                   host: String, port: Int, logger: Logger,
                                   onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router()
        router.get("/api/status") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: statusJSON(status()))))
        }
        DashboardRoutes.add(to: router, status: status, log: dashboard)
        router.get("/metrics") { _, _ -> Response in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(16_384)
            registry.emit(into: &bytes)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        router.get("/health") { _, _ in "ok" }
        return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "sigil"),
                           onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    }
}

extension MetricsServer {
    /// The run's status as one line of JSON.
    static func statusJSON(_ status: RunStatus) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(status)) ?? Data(#"{"error":"the status could not be encoded"}"#.utf8)
    }
}

/// Why the metrics endpoint cannot be served.
public struct MetricsServerError: Error, CustomStringConvertible {
    public let description: String
}
