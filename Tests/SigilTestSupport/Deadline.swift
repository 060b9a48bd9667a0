import Foundation
import Synchronization

/// How long a wait on state may take before a test calls it a hang: `SIGIL_TEST_PATIENCE`
/// seconds, or five minutes. Generous on purpose: tests wait for the state they assert, never
/// for a time, so a slow or busy machine only waits longer.
public var testPatience: Duration {
    .seconds(ProcessInfo.processInfo.environment["SIGIL_TEST_PATIENCE"].flatMap { Double($0) } ?? 300)
}

/// The thrown error when a deadline passes.
public struct DeadlineExceeded: Error, CustomStringConvertible {
    public let what: String
    public let after: Duration
    public var description: String { "\(what): not done within \(after) (a hang)" }
}

/// Waits for `operation`, or throws `DeadlineExceeded` once `timeout` has passed, even when the
/// operation ignores cancellation (it is then left running): a deadline turns a hang into a
/// failure, it never measures speed.
public func withDeadline<T: Sendable>(_ what: String, timeout: Duration = testPatience,
                                      _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (done: CheckedContinuation<T, any Error>) in
        let once = ResumeOnce(done)
        let work = Task { once.resume(await Result(catching: { try await operation() })) }
        Task {
            try? await Task.sleep(for: timeout)
            work.cancel()
            once.resume(.failure(DeadlineExceeded(what: what, after: timeout)))
        }
    }
}

/// A continuation resumed by whichever of two tasks comes first.
final class ResumeOnce<T: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<T, any Error>?>
    init(_ c: CheckedContinuation<T, any Error>) { continuation = Mutex(c) }
    func resume(_ result: Result<T, any Error>) {
        let c = continuation.withLock { (c: inout CheckedContinuation<T, any Error>?) in
            defer { c = nil }
            return c
        }
        c?.resume(with: result)
    }
}

/// Polls `condition` until it holds, or throws `DeadlineExceeded`: for state a test cannot be
/// told about (a counter, a row) and must look at.
public func eventually(_ what: String, timeout: Duration = testPatience, poll: Duration = .milliseconds(20),
                       _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw DeadlineExceeded(what: what, after: timeout) }
        try await Task.sleep(for: poll)
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}

/// A count shared by concurrent tasks.
public final class Counter: Sendable {
    private let count = Mutex(0)
    public init() {}
    public func add(_ n: Int = 1) { count.withLock { $0 += n } }
    public var value: Int { count.withLock { $0 } }
}
