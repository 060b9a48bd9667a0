public import SigilCore

/// One output as it is persisted: what happened, which strategy said it, and the event that
/// caused it.
public struct OutputRecord: Hashable, Sendable {
    public enum Body: Hashable, Sendable {
        case alert(Alert)
        /// A signal, and whether the risk gate vetoed it (vetoed signals are kept, marked).
        case signal(Signal, vetoed: Bool)
        /// A paper fill of a signal.
        case fill(Fill, side: Signal.Side)
    }

    public var strategy: String
    public var plugin: String
    public var body: Body

    public init(strategy: String, plugin: String, body: Body) {
        self.strategy = strategy
        self.plugin = plugin
        self.body = body
    }

    public var cause: EventID {
        switch body {
        case .alert(let a): a.cause
        case .signal(let s, _): s.cause
        case .fill(let f, _): f.cause
        }
    }

    /// "alert", "signal" or "vetoed_signal".
    public var type: String {
        switch body {
        case .alert: "alert"
        case .signal(_, let vetoed): vetoed ? "vetoed_signal" : "signal"
        case .fill: "fill"
        }
    }

    public var pool: Address {
        switch body {
        case .alert(let a): a.pool
        case .signal(let s, _): s.pool
        case .fill(let f, _): f.pool
        }
    }

    /// A stable identity: the same strategy saying the same thing about the same event is the
    /// same output, however often the event is seen.
    public var key: String {
        switch body {
        case .alert(let a): "alert:\(strategy):\(a.alertId):\(a.cause.chainId):\(a.cause.blockHash):\(a.cause.logIndex)"
        case .signal(let s, _): "signal:\(strategy):\(s.side.rawValue):\(s.cause.chainId):\(s.cause.blockHash):\(s.cause.logIndex)"
        case .fill(let f, let side): "fill:\(strategy):\(side.rawValue):\(f.cause.chainId):\(f.cause.blockHash):\(f.cause.logIndex)"
        }
    }

    /// The JSON object written to the JSONL sink and stored with the output (keys sorted as
    /// they always were), built without Foundation's `[String: Any]` trees.
    public var json: String {
        let c = cause
        var members: [(String, JSONWriter.Value)] = [
            ("key", .string(key)), ("strategy", .string(strategy)), ("plugin", .string(plugin)), ("type", .string(type == "vetoed_signal" ? "signal" : type)),
            ("event", .object { w in
                w.object([("chainId", .uint(c.chainId)), ("blockNumber", .uint(c.blockNumber)), ("blockHash", .string("\(c.blockHash)")),
                          ("logIndex", .uint(UInt64(c.logIndex))), ("transactionHash", .string("\(c.transactionHash)"))])
            }),
        ]
        switch body {
        case .alert(let a):
            let labels: [(inout JSONWriter) -> Void] = a.labels.map { l in
                { w in w.object([("entity", .string(l.entity)), ("label", .string(l.label)), ("confidence", .double(l.confidence))]) }
            }
            members.append(("alert", .object { w in
                w.object([("alertId", .string(a.alertId)), ("name", .string(a.name)), ("description", .string(a.description)),
                          ("severity", .string(a.severity.rawValue)), ("type", .string(a.kind.rawValue)), ("pool", .string("\(a.pool)")),
                          ("addresses", .strings(a.addresses.map { "\($0)" })), ("labels", .objects(labels)), ("metadata", .stringMap(a.metadata))])
            }))
        case .signal(let sig, let vetoed):
            var o: [(String, JSONWriter.Value)] = [
                ("side", .string(sig.side.rawValue)), ("pool", .string("\(sig.pool)")), ("confidence", .double(sig.confidence)),
                ("vetoed", .bool(vetoed)), ("metadata", .stringMap(sig.metadata)),
            ]
            if let m = sig.model {
                o.append(("model", .object { w in
                    w.object([("id", .string(m.id)), ("version", .uint(m.version)), ("weightsHash", .string("\(m.weightsHash)"))])
                }))
            }
            members.append(("signal", .object { w in w.object(o) }))
        case .fill(let f, let side):
            members.append(("fill", .object { w in
                w.object([("side", .string(side.rawValue)), ("pool", .string("\(f.pool)")), ("tokenIn", .string("\(f.tokenIn)")),
                          ("amountIn", .double(f.amountIn)), ("tokenOut", .string("\(f.tokenOut)")), ("amountOut", .double(f.amountOut))])
            }))
        }
        var w = JSONWriter()
        w.object(members)
        return w.text
    }
}
