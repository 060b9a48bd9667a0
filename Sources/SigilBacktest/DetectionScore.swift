import SigilCore

/// One detector's figures against a labelled scenario set.
public struct DetectionScore: Codable, Sendable {
    public struct Miss: Codable, Sendable {
        public var scenario: String
        public var kind: String
        public var pool: String
        public var blocks: String
        public var transactions: [String]
    }

    public struct FalseAlarm: Codable, Sendable {
        public var alertKey: String
        public var alertId: String
        public var block: UInt64
        public var pool: String
        public var transaction: String
        public var description: String
        /// The scenario it fired on, if any (a hard negative, or another kind of fraud).
        public var scenario: String?
        public var scenarioKind: String?
    }

    /// An alert on a scenario of the kind the detector targets, with its evidence.
    public struct Detection: Codable, Sendable {
        public var scenario: String
        public var alertKey: String
        public var alertId: String
        public var block: UInt64
        public var transaction: String
        public var responsible: String
        public var description: String
    }

    public struct WrongAccount: Codable, Sendable {
        public var scenario: String
        public var alertKey: String
        public var expected: String
        public var named: String
    }

    public var strategy: String
    public var plugin: String
    public var detects: [String]
    public var alerts: Int
    public var truePositives: Int
    public var falsePositives: Int
    public var scenarios: Int
    public var found: Int
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
    /// Alerts on a target scenario naming its responsible account / all alerts on a target scenario.
    public var responsibleCorrect: Int
    public var responsibleChecked: Int
    public var falseAlarmsPer10kEvents: Double
    /// Per hard-negative kind (scenarios resembling what it detects): how many there were and how many it fired on.
    public var hardNegatives: [String: HardNegatives]
    public var detections: [Detection]
    public var misses: [Miss]
    public var falseAlarms: [FalseAlarm]
    public var wrongAccounts: [WrongAccount]

    public struct HardNegatives: Codable, Sendable {
        public var scenarios: Int
        public var alerted: Int
    }

    /// Scores one detector's alerts. An alert is on a scenario when it is about the scenario's
    /// pool and names one of its transactions (as its cause or in its evidence) or falls in its
    /// block range (up to `slack` blocks after its last transaction).
    public static func score(strategy: String, plugin: String, detects: [String], alerts: [AlertRecord],
                             labels: ScenarioLabels, events: Int, slack: UInt64 = 10) -> DetectionScore {
        let targets = labels.scenarios.filter { detects.contains($0.kind) }
        var found = Set<String>(), hardAlerted = Set<String>()
        var byPool: [String: [ScenarioLabels.Scenario]] = [:]
        for sc in labels.scenarios { if let p = sc.pool?.lowercased() { byPool[p, default: []].append(sc) } }
        var tp = 0, fp = 0, correct = 0, checked = 0
        var falseAlarms: [FalseAlarm] = [], wrong: [WrongAccount] = [], detections: [Detection] = []
        for a in alerts {
            let on = scenario(of: a, among: byPool[a.pool] ?? [], slack: slack)
            if let s = on, detects.contains(s.kind) {
                tp += 1
                found.insert(s.id)
                detections.append(Detection(scenario: s.id, alertKey: a.key, alertId: a.alertId, block: a.block, transaction: a.transaction,
                                            responsible: a.responsible ?? "", description: a.description))
                checked += 1
                let expected = s.responsibleAccount ?? ""
                if let named = a.responsible, named == expected { correct += 1 } else {
                    wrong.append(WrongAccount(scenario: s.id, alertKey: a.key, expected: expected, named: a.responsible ?? ""))
                }
            } else {
                fp += 1
                if let s = on { hardAlerted.insert(s.id) }
                falseAlarms.append(FalseAlarm(alertKey: a.key, alertId: a.alertId, block: a.block, pool: a.pool, transaction: a.transaction,
                                              description: a.description, scenario: on?.id, scenarioKind: on?.kind))
            }
        }
        let precision = alerts.isEmpty ? nil : Double(tp) / Double(alerts.count)
        let recall = targets.isEmpty ? nil : Double(found.count) / Double(targets.count)
        var f1: Double?
        if let p = precision, let r = recall { f1 = p + r > 0 ? 2 * p * r / (p + r) : 0 }
        var hard: [String: HardNegatives] = [:]
        for s in labels.scenarios where !detects.contains(s.kind) && (s.resembles ?? []).contains(where: detects.contains) {
            hard[s.kind, default: HardNegatives(scenarios: 0, alerted: 0)].scenarios += 1
            if hardAlerted.contains(s.id) { hard[s.kind]?.alerted += 1 }
        }
        let misses = targets.filter { !found.contains($0.id) }.map { s in
            Miss(scenario: s.id, kind: s.kind, pool: s.pool ?? "", blocks: s.blockRange.map { "\($0.lowerBound)–\($0.upperBound)" } ?? "",
                 transactions: s.txs.map(\.hash))
        }
        return DetectionScore(strategy: strategy, plugin: plugin, detects: detects, alerts: alerts.count, truePositives: tp,
                              falsePositives: fp, scenarios: targets.count, found: found.count, precision: precision, recall: recall, f1: f1,
                              responsibleCorrect: correct, responsibleChecked: checked,
                              falseAlarmsPer10kEvents: events > 0 ? Double(fp) * 10_000 / Double(events) : 0,
                              hardNegatives: hard, detections: detections, misses: misses, falseAlarms: falseAlarms, wrongAccounts: wrong)
    }

    /// The scenario an alert is about: one on its pool naming one of its transactions, else one
    /// on its pool whose block range holds it.
    static func scenario(of a: AlertRecord, among onPool: [ScenarioLabels.Scenario], slack: UInt64) -> ScenarioLabels.Scenario? {
        let txs = a.transactions
        if let s = onPool.first(where: { $0.txs.contains { txs.contains($0.hash.lowercased()) } }) { return s }
        return onPool.first { s in s.blockRange.map { a.block >= $0.lowerBound && a.block <= $0.upperBound.addingSaturated(slack) } ?? false }
    }
}
