import ServiceLifecycle
import SigilRuntime
import UnixSignals

/// Turns each SIGHUP into a reload request for the run (instead of the signal's default, which
/// ends the process), until the run shuts down.
struct HangupWatcher: Service {
    let reloader: ConfigReloader

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sighup).cancelOnGracefulShutdown() {
            reloader.request()
        }
    }
}
