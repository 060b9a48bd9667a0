import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SigilBundle
import SigilContrib
import SigilCoordinator
import SigilRuntime
import UnixSignals

/// `sigil coordinator serve`: score submitted updates and keep the ledger.
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run the coordinator that scores contributed updates.",
        subcommands: [Serve.self]
    )

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the coordinator's HTTP API (see README) until SIGINT/SIGTERM.")

        @Option(help: "The coordinator configuration.")
        var config: String = "coordinator.yaml"

        func run() async throws {
            let cfg: CoordinatorConfig
            do { cfg = try CoordinatorConfig.load(path: config) } catch {
                FileHandle.standardError.write(Data("sigil coordinator serve: \(error)\n".utf8))
                throw ExitCode(2)
            }
            let coordinator = try CoordinatorServer.coordinator(cfg, plugins: Components.bundled.plugins)
            var logger = Logger(label: "sigil-coordinator")
            logger.logLevel = .warning
            let host = cfg.host, epsilon = cfg.epsilon, ledger = cfg.ledger
            let app = CoordinatorServer.application(coordinator, host: cfg.host, port: cfg.port, maxPackageBytes: cfg.maxPackageBytes,
                                                    logger: logger) { port in
                RunCommand.say("coordinator listening on http://\(host):\(port) (epsilon \(epsilon), ledger \(ledger))")
            }
            let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}
