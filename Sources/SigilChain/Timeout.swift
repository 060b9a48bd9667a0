/// Runs `operation`, throwing `ChainError.transport(message)` if it has not finished within
/// `timeout` (the operation is then cancelled).
public func withTimeout<T: Sendable>(_ timeout: Duration, _ message: @autoclosure () -> String,
                                     _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let text = message()
    return try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw ChainError.transport(text) }
        return value
    }
}
