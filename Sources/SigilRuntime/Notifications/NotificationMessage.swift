import Foundation
import SigilCore

/// What a sink is sent for an output, built when the output is queued.
enum NotificationMessage {
    /// Telegram's limit on a message's text.
    static let telegramTextLimit = 4_096

    static func body(_ r: OutputRecord, json: String, for sink: SigilConfig.NotificationSink) -> String {
        switch sink.kind {
        case .webhook:
            return "{\"idempotencyKey\":\(quoted(r.key)),\"output\":\(json),\"sink\":\(quoted(sink.name))}"
        case .telegram:
            return "{\"chat_id\":\(quoted(sink.chatId ?? "")),\"disable_web_page_preview\":true,\"text\":\(quoted(telegramText(r)))}"
        }
    }

    static func quoted(_ s: String) -> String {
        var w = JSONWriter(capacity: s.utf8.count + 2)
        w.string(s)
        return w.text
    }

    /// A plain-text message (no parse mode, so nothing in it can break Telegram's markup).
    static func telegramText(_ r: OutputRecord) -> String {
        let c = r.cause
        var lines: [String]
        switch r.body {
        case .alert(let a):
            lines = ["\(a.severity.rawValue.uppercased()) alert from \(r.strategy) (\(r.plugin)): \(a.name)",
                     String(a.description.prefix(1_500)),
                     "pool \(a.pool)"]
            if !a.addresses.isEmpty { lines.append("addresses " + a.addresses.prefix(5).map(\.description).joined(separator: ", ")) }
        case .signal(let s, let vetoed):
            lines = ["\(s.side.rawValue.uppercased()) signal from \(r.strategy) (\(r.plugin))\(vetoed ? ", VETOED by the risk gate" : "")",
                     "pool \(s.pool), confidence \(String(format: "%.3f", s.confidence))"]
            if let m = s.model { lines.append("model \(m.id) version \(m.version)") }
        case .fill(let f, let side):
            lines = ["\(side.rawValue) fill from \(r.strategy) in \(f.pool)"]
        }
        lines += ["block \(c.blockNumber), chain \(c.chainId), tx \(c.transactionHash)", "id \(r.key)"]
        let text = lines.map { TerminalText.escaped($0) }.joined(separator: "\n")
        return text.count > telegramTextLimit ? String(text.prefix(telegramTextLimit - 1)) + "…" : text
    }
}
