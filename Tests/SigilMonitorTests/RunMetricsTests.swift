import Prometheus
import SigilChain
import SigilCore
import SigilFeeds
import SigilMonitor
import SigilRuntime
import Testing

/// RunMetrics against a real swift-prometheus registry: counters advance by what the run's
/// totals grew (never twice for the same total), model versions switch, and label values from a
/// configuration are escaped in the exposition.
@Suite struct RunMetricsTests {
    @Test func countersFollowTotalsAndModelsSwitch() {
        let (registry, factory) = MetricsServer.makeFactory()
        let metrics = RunMetrics(factory: factory)
        let feed = "odd \"feed\"\nname\\"
        metrics.expect(feeds: [feed])
        var s = ReplayRun.Summary()
        s.eventsByFeed[feed] = 10
        s.rejectedByFeed[feed] = [.malformedJSON: 2]
        s.outputsBy[.init(kind: "signal", strategy: "signals", plugin: "model-signal", detail: "buy")] = 3
        s.outputsBy[.init(kind: "alert", strategy: "rug", plugin: "rug-pull-guard", detail: "critical")] = 1
        var health = FeedHealth.Snapshot(feed: "live")
        health.head = 120
        health.delivered = 117
        health.reconnects = 2
        health.state = .backfilling
        metrics.update(summary: s, feeds: [health], queue: (3, 1_024), portfolio: PortfolioFigures(fills: 1, equity: 99.5, pnl: -0.5, initial: 100, buyAndHold: nil, tokensPriced: 0))
        metrics.update(summary: s, feeds: [health], queue: (3, 1_024), portfolio: nil)  // the same totals again: nothing added
        var text = registry.emitToString()
        #expect(text.contains(#"sigil_events_total{feed="odd \"feed\"\nname\\"} 10"#), "\(text)")
        #expect(text.contains(#"sigil_rejected_total{feed="odd \"feed\"\nname\\",reason="malformed_json"} 2"#))
        #expect(text.contains(#"sigil_rejected_total{feed="odd \"feed\"\nname\\",reason="oversize"} 0"#))
        #expect(text.contains(#"sigil_signals_total{strategy="signals",plugin="model-signal",side="buy"} 3"#))
        #expect(text.contains(#"sigil_alerts_total{strategy="rug",plugin="rug-pull-guard",severity="critical"} 1"#))
        #expect(text.contains(#"sigil_feed_reconnects_total{feed="live"} 2"#))
        #expect(text.contains(#"sigil_feed_head_lag_blocks{feed="live"} 3"#))
        #expect(text.contains(#"sigil_feed_state{feed="live",state="backfilling"} 1"#))
        #expect(text.contains(#"sigil_feed_state{feed="live",state="live"} 0"#))
        #expect(text.contains("sigil_queue_waiting_items 3") && text.contains("sigil_paper_equity 99.5"))

        s.eventsByFeed[feed] = 25
        health.reconnects = 3
        metrics.update(summary: s, feeds: [health])
        text = registry.emitToString()
        #expect(text.contains(#"sigil_events_total{feed="odd \"feed\"\nname\\"} 25"#))
        #expect(text.contains(#"sigil_feed_reconnects_total{feed="live"} 3"#))

        let h1 = "0x" + String(repeating: "11", count: 32), h2 = "0x" + String(repeating: "22", count: 32)
        metrics.modelRunning("sigil/m", version: 1, sha256: h1)
        metrics.modelRunning("sigil/m", version: 2, sha256: h2)
        text = registry.emitToString()
        #expect(text.contains(#"sigil_model_info{model="sigil/m",version="1",sha256="\#(h1)"} 0"#), "\(text)")
        #expect(text.contains(#"sigil_model_info{model="sigil/m",version="2",sha256="\#(h2)"} 1"#))
        #expect(text.contains(#"sigil_model_version{model="sigil/m"} 2"#))
    }
}
