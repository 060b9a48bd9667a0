public import SigilChain

extension SigilConfig.Registry {
    /// Opens the registry this configuration names: a snapshot file is read now; an on-chain
    /// registry is reached on the first lookup.
    public func source() throws(RegistryError) -> any ModelRegistrySource {
        switch self {
        case .snapshot(let path): try ModelRegistrySnapshot(path: path)
        case .onChain(let rpc, let address): OnChainModelRegistry(rpc: HTTPRPCClient(url: rpc), address: address)
        }
    }
}
