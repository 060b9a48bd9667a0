public import Foundation
import SigilCore
import SigilPluginAPI
public import SigilFeeds
import Yams

/// Loads strategies.yaml strictly: a syntax error, an unknown key, a wrong type, an
/// out-of-range value, a missing model file or an unknown plugin is a `ConfigError` naming
/// the file, line and column.
public enum ConfigLoader {
    static let topKeys = ["feeds", "registry", "models", "strategies", "risk", "portfolio", "outputs", "simulation", "metrics", "notifications"]
    /// A configuration is a page of YAML; anything larger is not one.
    public static let maxConfigBytes = 1 << 20

    public static func load(path: String, components: Components,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> SigilConfig {
        let text: String
        do { text = try InputFile.text(path, what: "configuration", limit: maxConfigBytes) } catch {
            throw ConfigError(file: path, line: 1, column: 1, message: "cannot read the configuration: \(error.reason)")
        }
        return try parse(text, file: path, components: components, environment: environment)
    }

    public static func parse(_ text: String, file: String, components: Components, environment: [String: String] = [:]) throws(ConfigError) -> SigilConfig {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(file: file, line: 1, column: 1, message: "the file is empty; expected a mapping with keys \(topKeys.joined(separator: ", "))")
            }
            root = node
        } catch let e as ConfigError {
            throw e
        } catch let e as YamlError {
            throw syntaxError(e, file: file)
        } catch {
            throw ConfigError(file: file, line: 1, column: 1, message: "YAML error: \(error)")
        }
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        return try Builder(r: YAMLReader(file: file, environment: environment), base: base, components: components).config(root)
    }

    static func syntaxError(_ e: YamlError, file: String) -> ConfigError {
        switch e {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ConfigError(file: file, line: mark.line, column: mark.column, message: "YAML syntax error: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return ConfigError(file: file, line: context.mark.line, column: context.mark.column,
                               message: "duplicate keys \(duplicates.sorted().joined(separator: ", "))")
        default:
            return ConfigError(file: file, line: 1, column: 1, message: "YAML error: \(e)")
        }
    }

    struct Builder {
        let r: YAMLReader
        let base: URL
        let components: Components

        func path(_ node: Node, _ what: String, mustExist: Bool) throws(ConfigError) -> String {
            try FeedConfigContext(reader: r, base: base).path(node, what, mustExist: mustExist)
        }

        func config(_ root: Node) throws(ConfigError) -> SigilConfig {
            let top = try r.mapping(root, "the configuration", keys: ConfigLoader.topKeys)
            guard let feedsNode = top["feeds"] else { throw r.fail(root, "missing key 'feeds': at least one feed is needed") }
            var feeds: [SigilConfig.Feed] = []
            for f in try r.sequence(feedsNode, "feeds") {
                let feed = try feed(f, taken: Set(feeds.map(\.name)))
                if let first = feeds.first, first.isLive != feed.isLive {
                    throw r.fail(f, "replay and live feeds cannot be mixed in one configuration (a replay ends, a live feed does not); run them separately")
                }
                feeds.append(feed)
            }
            guard !feeds.isEmpty else { throw r.fail(feedsNode, "feeds is empty: at least one feed is needed") }

            var registry = SigilConfig.Registry.snapshot(path: "")
            var publishers: [Address] = []
            if let regNode = top["registry"] {
                let m = try r.mapping(regNode, "registry", keys: ["snapshot", "rpc", "address", "publishers", "follow_interval", "subscribe"])
                registry = try self.registry(regNode, m)
                if let p = m["publishers"] {
                    publishers = try r.sequence(p, "publishers").map { (n) throws(ConfigError) in try r.address(n, "a publisher") }
                }
            } else if top["models"] != nil {
                throw r.fail(root, "models are declared but no 'registry' says where their hashes are recorded")
            }

            var models: [SigilConfig.Model] = []
            if let ms = top["models"] {
                for n in try r.sequence(ms, "models") {
                    let m = try r.mapping(n, "a model", keys: ["id", "file", "version"])
                    guard let id = m["id"], let file = m["file"] else { throw r.fail(n, "a model needs 'id' and 'file'") }
                    var version = ModelVersionSelector.latest
                    if let v = m["version"] {
                        if v.scalar?.string == "latest" { version = .latest } else { version = .pinned(UInt64(try r.int(v, "model version", in: 1...Int64.max))) }
                    }
                    let modelId = try r.string(id, "model id")
                    guard !models.contains(where: { $0.id == modelId }) else { throw r.fail(id, "model '\(modelId)' is declared twice") }
                    models.append(.init(id: modelId, file: try path(file, "model file", mustExist: true), version: version))
                }
            }

            var strategies: [SigilConfig.Strategy] = []
            if let ss = top["strategies"] {
                for n in try r.sequence(ss, "strategies") {
                    strategies.append(try strategy(n, models: models, taken: Set(strategies.map(\.name))))
                }
            }

            var risk = SigilConfig.Risk(vetoSeverity: .high, vetoBlocks: 300)
            if let rn = top["risk"] {
                let m = try r.mapping(rn, "risk", keys: ["veto_severity", "veto_blocks"])
                if let s = m["veto_severity"] {
                    risk.vetoSeverity = Alert.Severity(rawValue: try r.choice(s, "veto_severity", Alert.Severity.allCases.map(\.rawValue)))!
                }
                if let b = m["veto_blocks"] { risk.vetoBlocks = UInt64(try r.int(b, "veto_blocks", in: 0...10_000_000)) }
            }

            var portfolio: SigilConfig.Portfolio?
            if let pn = top["portfolio"] {
                let m = try r.mapping(pn, "portfolio", keys: ["cash_token", "cash_decimals", "cash", "trade_size"])
                guard let token = m["cash_token"] else { throw r.fail(pn, "portfolio needs a 'cash_token' address") }
                var p = SigilConfig.Portfolio(cashToken: try r.address(token, "cash_token"), cashDecimals: 6, cash: 100_000, tradeSize: 1_000)
                if let d = m["cash_decimals"] { p.cashDecimals = Int(try r.int(d, "cash_decimals", in: 0...36)) }
                if let c = m["cash"] { p.cash = try r.double(c, "cash", in: 0...1e15) }
                if let t = m["trade_size"] { p.tradeSize = try r.double(t, "trade_size", in: 0...1e15) }
                portfolio = p
            }

            var outputs = SigilConfig.Outputs(jsonl: base.appendingPathComponent("out/outputs.jsonl").standardizedFileURL.path,
                                              sqlite: base.appendingPathComponent("out/sigil.sqlite").standardizedFileURL.path)
            if let on = top["outputs"] {
                let m = try r.mapping(on, "outputs", keys: ["jsonl", "sqlite"])
                if let j = m["jsonl"] { outputs.jsonl = try path(j, "jsonl output", mustExist: false) }
                if let s = m["sqlite"] { outputs.sqlite = try path(s, "sqlite output", mustExist: false) }
            }
            // What opening the store would refuse, refused here: one file for two outputs, an
            // output that cannot be created or written.
            let outputsNode = top["outputs"]
            do throws(StoreError) { try OutputPaths.check(sqlite: outputs.sqlite, jsonl: outputs.jsonl) } catch {
                throw r.fail(outputsNode.flatMap { node in if case .mapping(let mm) = node { return mm["jsonl"] } else { return nil } } ?? outputsNode ?? root,
                             error.description)
            }
            for (file, key) in [(outputs.sqlite, "sqlite"), (outputs.jsonl, "jsonl")] {
                if let problem = OutputPaths.problem(writing: file) {
                    let node = outputsNode.flatMap { node in if case .mapping(let mm) = node { return mm[key] } else { return nil } }
                    throw r.fail(node ?? outputsNode ?? root, "\(key) output \(file) cannot be written: \(problem)")
                }
            }
            var config = SigilConfig(plugins: components.plugins, feeds: feeds, registry: registry, publishers: publishers, models: models,
                                     strategies: strategies, risk: risk, portfolio: portfolio, outputs: outputs)
            if let regNode = top["registry"], case .mapping(let rm) = regNode,
               let f = rm.first(where: { $0.key.scalar?.string == "follow_interval" })?.value {
                config.followInterval = try r.double(f, "follow_interval (seconds)", in: 0.1...86_400)
            }
            if let regNode = top["registry"], case .mapping(let rm) = regNode,
               let n = rm.first(where: { $0.key.scalar?.string == "subscribe" })?.value {
                let url = try r.string(n, "registry subscribe")
                guard url.hasPrefix("ws://") || url.hasPrefix("wss://") else { throw r.fail(n, "registry subscribe must be a ws:// or wss:// endpoint") }
                config.followSubscription = url
            }
            if let sn = top["simulation"] {
                config.simulation = try simulation(sn, live: feeds.first?.isLive ?? false)
            }
            if let mn = top["metrics"] {
                let m = try r.mapping(mn, "metrics", keys: ["host", "port"])
                var metrics = SigilConfig.Metrics()
                if let h = m["host"] {
                    metrics.host = try r.string(h, "metrics host")
                    guard !metrics.host.isEmpty, metrics.host.utf8.count <= 253 else { throw r.fail(h, "metrics host must be an address or host name") }
                }
                if let p = m["port"] { metrics.port = Int(try r.int(p, "metrics port", in: 0...65_535)) }
                config.metrics = metrics
            }
            if let nn = top["notifications"] {
                for n in try r.sequence(nn, "notifications") {
                    config.notifications.append(try notification(n, taken: Set(config.notifications.map(\.name))))
                }
            }
            return config
        }

        /// One of `notifications:`: `{name, kind: webhook|telegram, url, token, chat_id,
        /// min_severity, plugins, outputs, queue_limit, timeout}`.
        func notification(_ node: Node, taken: Set<String>) throws(ConfigError) -> SigilConfig.NotificationSink {
            let m = try r.mapping(node, "a notification sink", keys: ["name", "kind", "url", "token", "chat_id", "min_severity", "plugins",
                                                                     "outputs", "queue_limit", "timeout"])
            guard let nameNode = m["name"], let kindNode = m["kind"] else { throw r.fail(node, "a notification sink needs 'name' and 'kind' (webhook or telegram)") }
            let name = try r.string(nameNode, "notification name")
            guard !name.isEmpty, name.utf8.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw r.fail(nameNode, "notification name '\(TerminalText.escaped(name.prefix(64)))' must be 1…64 letters, digits, '-' or '_'")
            }
            guard !taken.contains(name) else { throw r.fail(nameNode, "notification sink '\(name)' is declared twice") }
            let kind = SigilConfig.NotificationSink.Kind(rawValue: try r.choice(kindNode, "notification kind", SigilConfig.NotificationSink.Kind.allCases.map(\.rawValue)))!
            var url = kind == .telegram ? "https://api.telegram.org" : ""
            if let u = m["url"] { url = try r.string(u, "notification url") }
            guard url.hasPrefix("http://") || url.hasPrefix("https://"), url.utf8.count <= 2_048 else {
                throw r.fail(m["url"] ?? node, kind == .webhook ? "a webhook needs 'url', an http:// or https:// URL" : "notification url must be an http:// or https:// URL")
            }
            var sink = SigilConfig.NotificationSink(name: name, kind: kind, url: url)
            if kind == .telegram {
                guard let t = m["token"], let c = m["chat_id"] else { throw r.fail(node, "a telegram sink needs 'token' (the bot's, e.g. ${SIGIL_TELEGRAM_TOKEN}) and 'chat_id'") }
                let token = try r.string(t, "telegram token")
                guard !token.isEmpty, token.utf8.count <= 256, token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == ":" || $0 == "-" || $0 == "_") }) else {
                    throw r.fail(t, "telegram token is not a bot token (digits, ':', letters, '-', '_')")
                }
                sink.token = token
                let chat = c.scalar?.string ?? ""
                guard !chat.isEmpty, chat.utf8.count <= 128, !chat.contains(where: { $0.isNewline }) else { throw r.fail(c, "telegram chat_id must be a chat id or @channel name") }
                sink.chatId = chat
            } else if let extra = ["token", "chat_id"].first(where: { m[$0] != nil }) {
                throw r.fail(m[extra]!, "'\(extra)' is for telegram sinks")
            }
            if let s = m["min_severity"] {
                sink.minSeverity = Alert.Severity(rawValue: try r.choice(s, "min_severity", Alert.Severity.allCases.map(\.rawValue)))!
            }
            if let p = m["plugins"] {
                sink.plugins = try r.sequence(p, "notification plugins").map { (n) throws(ConfigError) in
                    let kind = try r.string(n, "a plugin")
                    guard components.plugins.plugin(kind: kind) != nil else {
                        throw r.fail(n, "unknown plugin '\(TerminalText.escaped(kind.prefix(64)))'; valid: \(components.plugins.kinds.joined(separator: ", "))")
                    }
                    return kind
                }
            }
            if let o = m["outputs"] {
                sink.outputs = try r.sequence(o, "notification outputs").map { (n) throws(ConfigError) in try r.choice(n, "an output kind", ["alert", "signal"]) }
                guard !sink.outputs.isEmpty else { throw r.fail(o, "notification outputs is empty: name alert, signal or both") }
            }
            if let q = m["queue_limit"] { sink.queueLimit = Int(try r.int(q, "queue_limit", in: 1...1_000_000)) }
            if let t = m["timeout"] { sink.timeout = try r.double(t, "notification timeout (seconds)", in: 0.1...120) }
            return sink
        }

        /// `simulation: {rpc: URL, weth: 0x…, timeout: S, offer_eth: X}`.
        func simulation(_ node: Node, live: Bool) throws(ConfigError) -> SigilConfig.Simulation {
            let m = try r.mapping(node, "simulation", keys: ["rpc", "weth", "timeout", "offer_eth"])
            guard live else {
                throw r.fail(node, "simulation runs eth_call against a live node at the block being judged; a replay's blocks are not on it (remove 'simulation' or use live feeds)")
            }
            guard let rpcNode = m["rpc"], let wethNode = m["weth"] else { throw r.fail(node, "simulation needs 'rpc' (an http:// or https:// endpoint) and 'weth' (the chain's WETH address)") }
            let rpc = try r.string(rpcNode, "simulation rpc")
            guard rpc.hasPrefix("http://") || rpc.hasPrefix("https://") else { throw r.fail(rpcNode, "simulation rpc must be an http:// or https:// endpoint") }
            var s = SigilConfig.Simulation(rpc: rpc, weth: try r.address(wethNode, "simulation weth"))
            if let t = m["timeout"] { s.timeout = try r.double(t, "simulation timeout (seconds)", in: 0.1...600) }
            if let o = m["offer_eth"] { s.offerEth = try r.double(o, "simulation offer_eth", in: 1e-9...1e6) }
            return s
        }

        /// `snapshot: FILE`, or `rpc: URL` with `address: 0x…`, from a registry mapping.
        func registry(_ node: Node, _ m: [String: Node]) throws(ConfigError) -> SigilConfig.Registry {
            switch (m["snapshot"], m["rpc"], m["address"]) {
            case (let s?, nil, nil): return .snapshot(path: try path(s, "registry snapshot", mustExist: true))
            case (nil, let rpc?, let a?): return .onChain(rpc: try r.string(rpc, "registry rpc"), address: try r.address(a, "registry address"))
            default: throw r.fail(node, "registry needs either 'snapshot', or 'rpc' with 'address'")
            }
        }

        func feed(_ f: Node, taken: Set<String>) throws(ConfigError) -> SigilConfig.Feed {
            guard case .mapping(let raw) = f else { throw r.fail(f, "a feed must be a mapping") }
            let kindName = try raw["kind"].map { (n) throws(ConfigError) in try r.choice(n, "feed kind", components.feeds.names) } ?? ReplayFeed.kind
            guard let kind = components.feeds.kind(kindName) else {
                throw r.fail(f, "feed kind '\(kindName)' is not registered; registered kinds: \(components.feeds.names.joined(separator: ", "))")
            }
            let m = try r.mapping(f, "a \(kindName) feed", keys: kind.keys)
            guard let name = m["name"] else { throw r.fail(f, "a feed needs a 'name'") }
            let feedName = try r.string(name, "feed name")
            guard !taken.contains(feedName) else { throw r.fail(name, "feed name '\(feedName)' is used twice") }
            let settings = try kind.settings(name: feedName, m, node: f, context: FeedConfigContext(reader: r, base: base))
            return SigilConfig.Feed(name: feedName, kind: kindName, settings: settings)
        }

        func strategy(_ n: Node, models: [SigilConfig.Model], taken: Set<String>) throws(ConfigError) -> SigilConfig.Strategy {
            let m = try r.mapping(n, "a strategy", keys: ["name", "plugin", "optional", "pools", "models", "params"])
            guard let nameNode = m["name"], let pluginNode = m["plugin"] else { throw r.fail(n, "a strategy needs 'name' and 'plugin'") }
            let name = try r.string(nameNode, "strategy name")
            guard !taken.contains(name) else { throw r.fail(nameNode, "strategy name '\(name)' is used twice") }
            let kind = try r.string(pluginNode, "plugin")
            guard let plugin = components.plugins.plugin(kind: kind) else {
                throw r.fail(pluginNode, "unknown plugin '\(kind)'; registered plugins: \(components.plugins.kinds.joined(separator: ", "))")
            }
            let optional = try m["optional"].map { (b) throws(ConfigError) in try r.bool(b, "optional") } ?? false
            let pools = try m["pools"].map { (p) throws(ConfigError) in
                try r.sequence(p, "pools").map { (a) throws(ConfigError) in try r.address(a, "a pool") }
            } ?? []
            var roles: [String: String] = [:]
            if let mm = m["models"] {
                guard case .mapping(let map) = mm else { throw r.fail(mm, "models must map roles to model ids") }
                for (k, v) in map {
                    let role = try r.string(k, "model role")
                    let id = try r.string(v, "model id")
                    guard models.contains(where: { $0.id == id }) else {
                        throw r.fail(v, "model '\(id)' is not declared under models; declared: \(models.map(\.id).joined(separator: ", "))")
                    }
                    roles[role] = id
                }
            }
            for role in plugin.modelRoles where roles[role] == nil {
                throw r.fail(n, "plugin \(kind) needs a model for the role '\(role)': add models: {\(role): <model id>}")
            }
            if let extra = roles.keys.first(where: { !plugin.modelRoles.contains($0) }) {
                throw r.fail(m["models"] ?? n, "plugin \(kind) has no model role '\(extra)'; its roles: \(plugin.modelRoles.joined(separator: ", "))")
            }
            return .init(name: name, plugin: kind, optional: optional, pools: pools, models: roles,
                         parameters: try parameters(m["params"], specs: plugin.parameterSpecs, plugin: kind))
        }

        func parameters(_ node: Node?, specs: [ParameterSpec], plugin: String) throws(ConfigError) -> ParameterValues {
            var values = ParameterValues(defaultsOf: specs).values
            guard let node else { return ParameterValues(values) }
            let m = try r.mapping(node, "params of \(plugin)", keys: specs.map(\.name))
            for spec in specs {
                guard let v = m[spec.name] else { continue }
                let what = "\(plugin) parameter \(spec.name)"
                switch spec.kind {
                case .double(let range): values[spec.name] = .double(try r.double(v, what, in: range))
                case .int(let range): values[spec.name] = .int(try r.int(v, what, in: range))
                case .bool: values[spec.name] = .bool(try r.bool(v, what))
                case .string(let allowed):
                    if let allowed {
                        values[spec.name] = .string(try r.choice(v, what, allowed))
                    } else {
                        values[spec.name] = .string(try r.string(v, what))
                    }
                }
            }
            return ParameterValues(values)
        }
    }
}
