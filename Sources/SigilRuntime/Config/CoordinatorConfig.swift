public import Foundation
import SigilCore
public import SigilFeeds
import SigilPluginAPI
import Yams

/// The typed contents of coordinator.yaml (`sigil coordinator serve`), every default filled in.
public struct CoordinatorConfig: Sendable, Hashable {
    public var host = "127.0.0.1"
    public var port = 8600
    public var registry: SigilConfig.Registry
    /// The private held-out recordings updates are scored on.
    public var heldOut: [String]
    public var horizon = 8
    public var epsilon = 0.002
    public var rewardPerUpdate = 100.0
    public var maxPackageBytes = 4 << 20
    public var maxRelativeDistance = 2.0
    public var ledger: String
    /// Where the current versions' weights are (by file name of the registry uri); nil: the uri itself.
    public var weightsDirectory: String?

    /// Publishing accepted updates on-chain (the registry must be `rpc` + `address`).
    public struct Publish: Sendable, Hashable {
        public var keystore: String
        public var passwordFile: String?
        public var passwordEnv: String?
        /// Where accepted weights are kept (their `file://` uri is published).
        public var directory: String
    }

    public var publish: Publish?

    public init(registry: SigilConfig.Registry, heldOut: [String], ledger: String) {
        self.registry = registry
        self.heldOut = heldOut
        self.ledger = ledger
    }

    static let keys = ["listen", "registry", "held_out", "horizon", "epsilon", "reward_per_update", "max_package_bytes",
                       "max_relative_distance", "ledger", "weights_dir", "publish"]

    /// Loads a coordinator configuration strictly: errors name file, line and column.
    public static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> CoordinatorConfig {
        let text: String
        do { text = try InputFile.text(path, what: "configuration", limit: ConfigLoader.maxConfigBytes) } catch {
            throw ConfigError(file: path, line: 1, column: 1, message: "cannot read the configuration: \(error.reason)")
        }
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else { throw ConfigError(file: path, line: 1, column: 1, message: "the file is empty") }
            root = node
        } catch let e as ConfigError {
            throw e
        } catch let e as YamlError {
            throw ConfigLoader.syntaxError(e, file: path)
        } catch {
            throw ConfigError(file: path, line: 1, column: 1, message: "YAML error: \(error)")
        }
        let r = YAMLReader(file: path, environment: environment)
        let b = ConfigLoader.Builder(r: r, base: URL(fileURLWithPath: path).deletingLastPathComponent(),
                                     components: Components(plugins: PluginRegistry([]), feeds: FeedRegistry([])))
        let top = try r.mapping(root, "the coordinator configuration", keys: keys)
        guard let regNode = top["registry"] else { throw r.fail(root, "missing key 'registry' (snapshot, or rpc with address)") }
        let registry = try b.registry(regNode, try r.mapping(regNode, "registry", keys: ["snapshot", "rpc", "address"]))
        guard let h = top["held_out"] else { throw r.fail(root, "missing key 'held_out': the private recordings updates are scored on") }
        let heldOut = try r.sequence(h, "held_out").map { (n) throws(ConfigError) in try b.path(n, "held-out recording", mustExist: true) }
        guard !heldOut.isEmpty else { throw r.fail(h, "held_out is empty") }
        var c = CoordinatorConfig(registry: registry, heldOut: heldOut,
                                  ledger: b.base.appendingPathComponent("out/coordinator/ledger.sqlite").standardizedFileURL.path)
        if let l = top["listen"] {
            let m = try r.mapping(l, "listen", keys: ["host", "port"])
            if let hn = m["host"] { c.host = try r.string(hn, "listen host") }
            if let p = m["port"] { c.port = Int(try r.int(p, "listen port", in: 0...65_535)) }
        }
        if let n = top["horizon"] { c.horizon = Int(try r.int(n, "horizon", in: 1...1_000)) }
        if let n = top["epsilon"] { c.epsilon = try r.double(n, "epsilon", in: 0...1) }
        if let n = top["reward_per_update"] { c.rewardPerUpdate = try r.double(n, "reward_per_update", in: 0...1e12) }
        if let n = top["max_package_bytes"] { c.maxPackageBytes = Int(try r.int(n, "max_package_bytes", in: 1_024...(1 << 30))) }
        if let n = top["max_relative_distance"] { c.maxRelativeDistance = try r.double(n, "max_relative_distance", in: 0...1e6) }
        if let n = top["ledger"] { c.ledger = try b.path(n, "ledger", mustExist: false) }
        if let n = top["weights_dir"] { c.weightsDirectory = try b.path(n, "weights_dir", mustExist: true) }
        if let pn = top["publish"] {
            guard case .onChain = registry else { throw r.fail(pn, "publishing needs the registry on a chain: registry: {rpc: …, address: …}") }
            let m = try r.mapping(pn, "publish", keys: ["keystore", "password_file", "password_env", "directory"])
            guard let ks = m["keystore"], let dirNode = m["directory"] else { throw r.fail(pn, "publish needs 'keystore' and 'directory'") }
            c.publish = Publish(keystore: try b.path(ks, "publisher keystore", mustExist: true),
                                passwordFile: try m["password_file"].map { (n) throws(ConfigError) in try b.path(n, "password file", mustExist: true) },
                                passwordEnv: try m["password_env"].map { (n) throws(ConfigError) in try r.string(n, "password_env") },
                                directory: try b.path(dirNode, "publish directory", mustExist: false))
        }
        return c
    }
}
