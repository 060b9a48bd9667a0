import Synchronization

/// A value set by one task and read by another (a port announced by a server, read when the run ends).
final class SharedValue<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    func set(_ v: Value) { value.withLock { $0 = v } }
    func get() -> Value { value.withLock { $0 } }
}
