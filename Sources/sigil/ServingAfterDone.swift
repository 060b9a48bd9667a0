import ServiceLifecycle

/// A service that, once `inner` has finished, stays until the group shuts down gracefully
/// (`--keep-serving`: the servers beside it go on). Finishing and then staying, rather than
/// finishing with `.ignore`, matters when a signal comes just as the inner service ends: the
/// group would otherwise see a service finish in the middle of its own shutdown and fail the run.
struct ServingAfterDone<Inner: Service>: Service {
    let inner: Inner

    func run() async throws {
        try await inner.run()
        try? await gracefulShutdown()  // returns on the group's graceful shutdown (or cancellation)
    }
}
