import SigilCore
import SigilRuntime
import Testing

@Suite struct RiskGateTests {
    static func id(_ block: UInt64) -> EventID {
        EventID(chainId: 1, blockHash: Hash32(w0: block, w1: 0, w2: 0, w3: 0), logIndex: 0, blockNumber: block,
                transactionHash: .zero, transactionIndex: 0)
    }

    static let pool = Address(hex: "0x" + String(repeating: "aa", count: 20))!
    static let token = Address(hex: "0x" + String(repeating: "bb", count: 20))!
    static let weth = Address(hex: "0x" + String(repeating: "cc", count: 20))!

    static let deployer = Address(hex: "0x" + String(repeating: "ee", count: 20))!

    static func alert(_ severity: Alert.Severity, at block: UInt64, responsible: Address? = nil) -> Alert {
        Alert(alertId: "T", name: "t", description: "t", severity: severity, kind: .scam, pool: pool, addresses: [pool, token, weth],
              labels: [.init(entity: "\(token)", label: "scam-token", confidence: 1)],
              metadata: responsible.map { ["responsible": "\($0)"] } ?? [:], cause: id(block))
    }

    static func signal(_ side: Signal.Side, pool: Address = pool, at block: UInt64) -> Signal {
        Signal(side: side, pool: pool, confidence: 0.9, model: nil, metadata: [:], cause: id(block))
    }

    @Test func highAlertsVetoThePoolAndBuysOfTheScamTokenForTheWindow() {
        var gate = RiskGate(severity: .high, blocks: 100)
        let other = Address(hex: "0x" + String(repeating: "dd", count: 20))!
        gate.record(Self.alert(.medium, at: 10))
        let belowThreshold = gate.vetoes(Self.signal(.buy, at: 11), token0: Self.token, token1: Self.weth)
        gate.record(Self.alert(.high, at: 20))
        let buyOnPool = gate.vetoes(Self.signal(.buy, at: 21), token0: Self.token, token1: Self.weth)
        let sellOnPool = gate.vetoes(Self.signal(.sell, at: 22), token0: Self.token, token1: Self.weth)
        let lastBlock = gate.vetoes(Self.signal(.buy, at: 120), token0: Self.token, token1: Self.weth)
        let expired = gate.vetoes(Self.signal(.buy, at: 121), token0: Self.token, token1: Self.weth)
        let buyScamElsewhere = gate.vetoes(Self.signal(.sell, pool: other, at: 30), token0: Self.weth, token1: Self.token)
        let sellScamElsewhere = gate.vetoes(Self.signal(.buy, pool: other, at: 30), token0: Self.weth, token1: Self.token)
        let wethElsewhere = gate.vetoes(Self.signal(.buy, pool: other, at: 30), token0: Self.weth, token1: other)
        #expect(!belowThreshold, "below the threshold")
        #expect(buyOnPool && sellOnPool && lastBlock, "every signal on the alerted pool, for the window")
        #expect(!expired, "the veto expires")
        #expect(buyScamElsewhere, "buying the scam token in another pool")
        #expect(!sellScamElsewhere, "selling the scam token elsewhere is allowed")
        #expect(!wethElsewhere, "WETH, named by the alert, stays tradable")
        #expect(gate.vetoes == 4)
    }

    /// A critical alert is remembered: its scam token stays vetoed after the window, and buys
    /// of any token its responsible account deployed are vetoed, each with its cause.
    @Test func criticalAlertsRememberTheTokenAndTheAccount() {
        var gate = RiskGate(severity: .high, blocks: 100)
        let newPool = Address(hex: "0x" + String(repeating: "d1", count: 20))!
        let newToken = Address(hex: "0x" + String(repeating: "d2", count: 20))!
        gate.record(Self.alert(.critical, at: 20, responsible: Self.deployer))
        let deployers: (Address) -> Address? = { $0 == newToken ? Self.deployer : nil }
        let later = gate.veto(Self.signal(.buy, at: 5_000), token0: Self.token, token1: Self.weth)
        let sameDeployer = gate.veto(Self.signal(.buy, pool: newPool, at: 6_000), token0: newToken, token1: Self.weth, deployer: deployers)
        let sellingIt = gate.veto(Self.signal(.sell, pool: newPool, at: 6_000), token0: newToken, token1: Self.weth, deployer: deployers)
        #expect(later == "token \(Self.token): T at block 20")
        #expect(sameDeployer == "token \(newToken) deployed by \(Self.deployer), flagged by T at block 20")
        #expect(sellingIt == nil, "selling what one holds stays allowed")
        // Remembered through a snapshot.
        var restored = RiskGate(severity: .high, blocks: 100)
        restored.vetoState = gate.vetoState
        #expect(restored.veto(Self.signal(.buy, pool: newPool, at: 7_000), token0: newToken, token1: Self.weth, deployer: deployers) != nil)
    }
}
