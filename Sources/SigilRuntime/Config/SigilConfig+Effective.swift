import SigilFeeds
import SigilCore
import SigilPluginAPI

extension SigilConfig {
    /// The configuration as YAML with every default filled in (what `sigil config check` prints).
    public var effectiveYAML: String {
        var out = ["feeds:"]
        for f in feeds {
            out += ["  - name: \(f.name)", "    kind: \(f.kind)"] + f.settings.effectiveYAML.map { "    " + $0 }
        }
        out.append("registry:")
        switch registry {
        case .snapshot(let p): out.append("  snapshot: \(p)")
        case .onChain(let rpc, let a): out += ["  rpc: \(rpc)", "  address: \"\(a)\""]
        }
        out.append("  publishers: [" + publishers.map { "\"\($0)\"" }.joined(separator: ", ") + "]" + (publishers.isEmpty ? "  # any" : ""))
        out.append("models:" + (models.isEmpty ? " []" : ""))
        for m in models { out += ["  - id: \(m.id)", "    file: \(m.file)", "    version: \(m.version)"] }
        out.append("strategies:" + (strategies.isEmpty ? " []" : ""))
        for s in strategies {
            out += ["  - name: \(s.name)", "    plugin: \(s.plugin)", "    optional: \(s.optional)",
                    "    pools: [" + s.pools.map { "\"\($0)\"" }.joined(separator: ", ") + "]" + (s.pools.isEmpty ? "  # every pool" : "")]
            out.append("    models: {" + s.models.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}")
            out.append("    params:")
            for (k, v) in s.parameters.values.sorted(by: { $0.key < $1.key }) { out.append("      \(k): \(v)") }
        }
        out += ["risk:", "  veto_severity: \(risk.vetoSeverity.rawValue)", "  veto_blocks: \(risk.vetoBlocks)"]
        if let p = portfolio {
            out += ["portfolio:", "  cash_token: \"\(p.cashToken)\"", "  cash_decimals: \(p.cashDecimals)", "  cash: \(p.cash)", "  trade_size: \(p.tradeSize)"]
        } else {
            out.append("portfolio: none")
        }
        out += ["outputs:", "  jsonl: \(outputs.jsonl)", "  sqlite: \(outputs.sqlite)"]
        if let s = simulation {
            out += ["simulation:", "  rpc: \(s.rpc)", "  weth: \"\(s.weth)\"", "  timeout: \(s.timeout)", "  offer_eth: \(s.offerEth)"]
        } else {
            out.append("simulation: none")
        }
        if let m = metrics {
            out += ["metrics:", "  host: \(m.host)", "  port: \(m.port)"]
        } else {
            out.append("metrics: none")
        }
        if notifications.isEmpty {
            out.append("notifications: none")
        } else {
            out.append("notifications:")
            for n in notifications {
                out += ["  - name: \(n.name)", "    kind: \(n.kind.rawValue)", "    url: \(n.shownURL)"]
                if n.token != nil { out.append("    token: (set, not shown)") }
                if let c = n.chatId { out.append("    chat_id: \"\(c)\"") }
                out += ["    min_severity: \(n.minSeverity.rawValue)", "    plugins: [\(n.plugins.joined(separator: ", "))]",
                        "    outputs: [\(n.outputs.joined(separator: ", "))]", "    queue_limit: \(n.queueLimit)", "    timeout: \(n.timeout)"]
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
