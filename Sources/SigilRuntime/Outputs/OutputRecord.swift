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

    /// The JSON object written to the JSONL sink and stored with the output: JSONSerialization's
    /// `.sortedKeys` format, as it always was (the tests compare the two), written member by
    /// member with the fixed keys listed in that order.
    public var json: String {
        var w = JSONWriter(capacity: 768)
        w.open()
        if case .alert(let a) = body {
            w.key("alert")
            w.open()
            w.key("addresses")
            w.openArray()
            for x in a.addresses {
                w.element()
                w.address(x)
            }
            w.closeArray()
            w.key("alertId"); w.string(a.alertId)
            w.key("description"); w.string(a.description)
            w.key("labels")
            w.openArray()
            for l in a.labels {
                w.element()
                w.open()
                w.key("confidence"); w.double(l.confidence)
                w.key("entity"); w.string(l.entity)
                w.key("label"); w.string(l.label)
                w.close()
            }
            w.closeArray()
            w.key("metadata"); w.stringMap(a.metadata)
            w.key("name"); w.string(a.name)
            w.key("pool"); w.address(a.pool)
            w.key("severity"); w.string(a.severity.rawValue)
            w.key("type"); w.string(a.kind.rawValue)
            w.close()
        }
        let c = cause
        w.key("event")
        w.open()
        w.key("blockHash"); w.hash(c.blockHash)
        w.key("blockNumber"); w.uint(c.blockNumber)
        w.key("chainId"); w.uint(c.chainId)
        w.key("logIndex"); w.uint(UInt64(c.logIndex))
        w.key("transactionHash"); w.hash(c.transactionHash)
        w.close()
        if case .fill(let f, let side) = body {
            w.key("fill")
            w.open()
            w.key("amountIn"); w.double(f.amountIn)
            w.key("amountOut"); w.double(f.amountOut)
            w.key("pool"); w.address(f.pool)
            w.key("side"); w.string(side.rawValue)
            w.key("tokenIn"); w.address(f.tokenIn)
            w.key("tokenOut"); w.address(f.tokenOut)
            w.close()
        }
        w.key("key"); w.string(key)
        w.key("plugin"); w.string(plugin)
        if case .signal(let sig, let vetoed) = body {
            w.key("signal")
            w.open()
            w.key("confidence"); w.double(sig.confidence)
            w.key("metadata"); w.stringMap(sig.metadata)
            if let m = sig.model {
                w.key("model")
                w.open()
                w.key("id"); w.string(m.id)
                w.key("version"); w.uint(m.version)
                w.key("weightsHash"); w.hash(m.weightsHash)
                w.close()
            }
            w.key("pool"); w.address(sig.pool)
            w.key("side"); w.string(sig.side.rawValue)
            w.key("vetoed"); w.bool(vetoed)
            w.close()
        }
        w.key("strategy"); w.string(strategy)
        w.key("type"); w.string(type == "vetoed_signal" ? "signal" : type)
        w.close()
        return w.text
    }
}
