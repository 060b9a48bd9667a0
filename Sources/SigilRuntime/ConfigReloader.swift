import Synchronization

/// Reload requests (SIGHUP) on their way to the run's loop, which takes them between two items,
/// and how to read the configuration again.
public final class ConfigReloader: Sendable {
    public let path: String
    let load: @Sendable () throws -> SigilConfig
    let notice: @Sendable (String) -> Void
    let pending = Atomic<Bool>(false)
    let wake = Mutex<(@Sendable () -> Void)?>(nil)

    /// `load` reads and checks the file at `path` as the run's own configuration was; `notice`
    /// gets the lines saying what a reload did.
    public init(path: String, load: @escaping @Sendable () throws -> SigilConfig, notice: @escaping @Sendable (String) -> Void) {
        self.path = path
        self.load = load
        self.notice = notice
    }

    /// Asks for a reload (requests that arrive before the loop takes one make one reload).
    public func request() {
        pending.store(true, ordering: .releasing)
        wake.withLock { $0 }?()
    }

    /// Calls `f` on each request (a live run wakes its loop with it), and at once when one came
    /// before (while the run was starting).
    func onRequest(_ f: @escaping @Sendable () -> Void) {
        wake.withLock { $0 = f }
        if pending.load(ordering: .acquiring) { f() }
    }

    /// Reloads `runner` when a request waits (a load, no write, when none does: a replay asks
    /// after every item).
    func applyIfRequested(_ runner: LiveRunner) throws {
        guard pending.load(ordering: .relaxed), pending.exchange(false, ordering: .acquiringAndReleasing) else { return }
        for line in try runner.reload(Result { try load() }, path: path) { notice(line) }
    }
}
