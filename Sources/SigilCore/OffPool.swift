import Dispatch

/// Blocking work (SQLite, file reads, long computations) kept off Swift's cooperative thread
/// pool, whose few threads (one per core) must stay free for the feeds' and servers' tasks.
public enum OffPool {
    /// Runs `work` on a Dispatch thread and awaits its result.
    public static func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            DispatchQueue.global(qos: .userInitiated).async { c.resume(with: Result { try work() }) }
        }
    }
}
