import Foundation
public import SigilCore

extension SigilConfig {
    /// Where outputs are pushed as they are stored (`notifications:`): a webhook (JSON POST with
    /// an idempotency key) or a Telegram chat (Bot API `sendMessage`), each with its filters.
    public struct NotificationSink: Hashable, Sendable {
        public enum Kind: String, Sendable, CaseIterable { case webhook, telegram }

        /// Names the sink in logs, metrics and the outbox; letters, digits, `-` and `_`.
        public var name: String
        public var kind: Kind
        /// The webhook's URL, or the Bot API's base URL (default `https://api.telegram.org`).
        public var url: String
        /// The Telegram bot token (a secret: never printed).
        public var token: String?
        public var chatId: String?
        /// Alerts below this severity are not sent.
        public var minSeverity: Alert.Severity = .high
        /// Only outputs of these plugins (empty: every plugin).
        public var plugins: [String] = []
        /// Which outputs: `alert`, `signal` (a vetoed signal is sent as one, marked vetoed).
        public var outputs: [String] = ["alert"]
        /// Outputs waiting for this sink at most; beyond, new ones are counted as dropped.
        public var queueLimit = 10_000
        /// Seconds a delivery may take.
        public var timeout: Double = 10

        public init(name: String, kind: Kind, url: String) {
            self.name = name
            self.kind = kind
            self.url = url
        }

        /// The URL as it may be shown: scheme, host and port only (a webhook's path or query
        /// often carries a secret).
        public var shownURL: String {
            guard let schemeEnd = url.range(of: "://") else { return "(url)" }
            let rest = url[schemeEnd.upperBound...]
            let host = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            let bare = host.split(separator: "@").last.map(String.init) ?? ""
            return url[..<schemeEnd.upperBound] + bare + (rest.count > host.count ? "/…" : "")
        }

        /// Whether this sink wants `record`.
        public func accepts(_ record: OutputRecord) -> Bool {
            if !plugins.isEmpty, !plugins.contains(record.plugin) { return false }
            switch record.body {
            case .alert(let a): return outputs.contains("alert") && a.severity >= minSeverity
            case .signal: return outputs.contains("signal")
            case .fill: return false
            }
        }
    }
}
