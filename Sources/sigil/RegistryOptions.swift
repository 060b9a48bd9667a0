import ArgumentParser
import SigilBundle
import SigilChain
import SigilCore
import SigilRuntime

/// Where the ModelRegistry is read: one of a strategies.yaml, a snapshot, or a contract on a chain.
struct RegistryOptions: ParsableArguments {
    @Option(help: "JSON-RPC endpoint of the chain holding the registry (with --registry).")
    var rpc: String?

    @Option(help: "Address of the ModelRegistry contract (with --rpc).")
    var registry: String?

    @Option(help: "A registry snapshot file (eth_getLogs of the registry's events).")
    var snapshot: String?

    @Option(help: "Take the registry and the allowed publishers from this strategies.yaml.")
    var config: String?

    func validate() throws {
        let sources = [config != nil, snapshot != nil, rpc != nil || registry != nil].filter { $0 }.count
        guard sources == 1 else {
            throw ValidationError("give one registry: --config FILE, --snapshot FILE, or --rpc URL with --registry ADDRESS")
        }
        if (rpc == nil) != (registry == nil) { throw ValidationError("--rpc and --registry go together") }
        if let registry, Address(hex: registry) == nil { throw ValidationError("--registry \(registry) is not an address") }
    }

    /// The registry to read, and the publishers a configuration allows (empty: any).
    func resolve() throws -> (source: any ModelRegistrySource, publishers: [Address]) {
        if let config {
            let cfg = try ConfigLoader.load(path: config, components: .bundled)
            return (try cfg.registry.source(), cfg.publishers)
        }
        if let snapshot { return (try SigilConfig.Registry.snapshot(path: snapshot).source(), []) }
        return (try SigilConfig.Registry.onChain(rpc: rpc!, address: Address(hex: registry!)!).source(), [])
    }
}
