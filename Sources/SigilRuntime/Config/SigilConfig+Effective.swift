import SigilFeeds
import SigilCore
import SigilPluginAPI

extension SigilConfig {
    /// The configuration as YAML with every default filled in (what `sigil config check` prints).
    public var effectiveYAML: String {
        var out = ["feeds:"]
        for f in feeds {
            out += ["  - name: \(f.name)", "    kind: \(f.kind.rawValue)"]
            if let e = f.ethereum {
                var start = "latest"
                if case .block(let n) = e.start { start = "\(n)" }
                out += ["    url: \(e.url)", "    chain_id: \(f.chainId.map(String.init) ?? "the node's")",
                        "    addresses: [" + e.addresses.map { "\"\($0)\"" }.joined(separator: ", ") + "]" + (e.addresses.isEmpty ? "  # every Uniswap event" : ""),
                        "    from_block: \(start)", "    confirmations: \(e.confirmations)",
                        "    silence_timeout: \(e.silenceTimeout.secondsValue)", "    request_timeout: \(e.requestTimeout.secondsValue)",
                        "    backfill_blocks: \(e.backfillBlocks)", "    max_frame_bytes: \(e.maxFrameBytes)",
                        "    ping_interval: \(e.pingInterval.secondsValue)",
                        "    reconnect: {initial: \(e.backoff.initial.secondsValue), max: \(e.backoff.maximum.secondsValue)}"]
            } else if let h = f.hyperliquid {
                out += ["    url: \(h.url)", "    coins: [" + h.coins.joined(separator: ", ") + "]", "    books: \(h.books)",
                        "    silence_timeout: \(h.silenceTimeout.secondsValue)", "    request_timeout: \(h.requestTimeout.secondsValue)",
                        "    max_frame_bytes: \(h.maxFrameBytes)",
                        "    reconnect: {initial: \(h.backoff.initial.secondsValue), max: \(h.backoff.maximum.secondsValue)}"]
            } else {
                out += ["    path: \(f.path)", "    chain_id: \(f.chainId.map(String.init) ?? "from manifest.json")"]
            }
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
        return out.joined(separator: "\n") + "\n"
    }
}
