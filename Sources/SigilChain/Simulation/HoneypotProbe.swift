import BigInt
public import SigilCore

/// Buys a token from its Uniswap V2 pair with WETH and sells it straight back, in one `eth_call`
/// against the state after a chosen block: nothing is sent, signed or kept.
///
/// The call carries the creation code of `contracts/HoneypotProbe.vy` (no `to`), whose
/// constructor does the round trip with the ETH sent along (at most 1% of the pool's WETH) and
/// reverts with its figures, so the node returns them as revert data (geth: error code 3 with
/// `data`). The sender is a fixed address with no key; the call gives it a balance through a
/// state override (geth, erigon, reth, anvil), so it needs no funded account.
public struct HoneypotProbe: Sendable {
    public let rpc: any JSONRPCTransport
    /// The chain's WETH: the probe only tests tokens paired with it.
    public let weth: Address
    /// ETH offered for the buy (wei); the probe spends at most 1% of the pool's WETH of it.
    let offerWei: BigUInt
    public let timeout: Duration

    /// The probe's sender: an address nobody holds a key for.
    public static let sender = Address(hex: "0x5161000000000000000000000000000000005161")!
    /// The figures' selector: `SigilProbe(uint256[8],bytes)`.
    static let resultSelector = ABI.selector("SigilProbe(uint256[8],bytes)")
    /// Revert data longer than this is not the probe's answer.
    static let maxAnswerBytes = 4 + 32 * 11 + 256

    /// `offerEth` is rounded to whole gwei (at least one).
    public init(rpc: any JSONRPCTransport, weth: Address, offerEth: Double = 1, timeout: Duration = .seconds(5)) {
        self.rpc = rpc
        self.weth = weth
        let gwei = (offerEth * 1e9).rounded()
        offerWei = BigUInt(gwei.isFinite ? UInt64(min(max(gwei, 1), 1e18)) : 1) * 1_000_000_000
        self.timeout = timeout
    }

    /// The round trip through `pool` against the state after `block` (nil: latest). Never
    /// throws: a node that fails, is slow or answers something else gives a `.failed` result
    /// saying why.
    public func roundTrip(pool: Address, token: Address, block: UInt64?) async -> SimulationResult {
        let data: [UInt8]
        do {
            data = try HoneypotProbeCode.bytes + ABI.encode([.address, .address, .address], [.address(pool), .address(token), .address(weth)])
        } catch {
            return Self.failed("cannot encode the probe: \(error)")
        }
        let value = "0x" + String(offerWei, radix: 16)
        let call: JSONValue = ["from": .string(Self.sender.description), "data": .string(Hex.encode(data)), "value": .string(value),
                               "gas": .string("0x1c9c380")]
        let tag: JSONValue = block.map { .string("0x" + String($0, radix: 16)) } ?? "latest"
        let override: JSONValue = [Self.sender.description: ["balance": .string("0x" + String(offerWei * 256, radix: 16))]]
        let rpc = self.rpc
        do {
            let answer = try await withTimeout(timeout, "the node took longer than \(timeout) to answer the probe") { try await rpc.call("eth_call", [call, tag, override]) }
            return Self.failed("the probe returned instead of reverting with its figures: \(String(describing: answer).prefix(120))")
        } catch let e as ChainError where e.rpcCode != nil {
            guard let hex = e.rpcData, let bytes = Hex.decode(hex) else {
                return Self.failed("the node refused the probe: \(e)")
            }
            return Self.decode(bytes)
        } catch {
            return Self.failed("the node did not answer the probe: \(error)")
        }
    }

    /// Reads the probe's revert data; anything else is a `.failed` result naming what came back.
    public static func decode(_ data: [UInt8]) -> SimulationResult {
        guard data.count <= maxAnswerBytes, data.count >= 4, Array(data.prefix(4)) == resultSelector else {
            return Self.failed("the call reverted without the probe's figures (\(data.count) bytes: \(Hex.encode(data.prefix(36)))…)")
        }
        let values: [ABIValue]
        do {
            values = try ABI.decode([.fixedArray(.uint(256), 8), .bytes], Array(data.dropFirst(4)))
        } catch {
            return Self.failed("the probe's figures do not decode: \(error)")
        }
        guard case .array(let words) = values[0], words.count == 8, case .bytes(let why) = values[1] else {
            return Self.failed("the probe's figures do not decode")
        }
        let f = words.map { (v: ABIValue) -> UInt256 in if case .uint(let x) = v { uint256(x) } else { .zero } }
        let outcome: SimulationResult.Outcome
        switch f[0] {
        case UInt256(0): outcome = .roundTrip
        case UInt256(1): outcome = .notSimulable
        case UInt256(2): outcome = .buyReverted
        case UInt256(3): outcome = .sellReverted
        case UInt256(4): outcome = .sellSwapReverted
        default: return Self.failed("the probe reported an unknown stage \(f[0])")
        }
        var r = SimulationResult(outcome: outcome, reason: ABI.revertReason(why))
        (r.spent, r.buyExpected, r.buyReceived, r.sellArrived, r.sellExpected, r.sellReceived) = (f[1], f[2], f[3], f[4], f[5], f[6])
        return r
    }

    /// A failed result; the reason, which may quote what a node said, escaped and cut to 240
    /// characters (it is logged and kept in the plugin's state).
    static func failed(_ why: String) -> SimulationResult {
        SimulationResult(outcome: .failed, reason: TerminalText.escaped(why.prefix(240)))
    }

    static func uint256(_ x: BigUInt) -> UInt256 {
        let bytes = Array(x.serialize().suffix(32))
        return Hash32(bytes: [UInt8](repeating: 0, count: 32 - bytes.count) + bytes).map { UInt256(word: $0) } ?? .zero
    }
}

/// The probe contract (its creation code is generated from `contracts/HoneypotProbe.vy`).
enum HoneypotProbeCode {
    static let bytes: [UInt8] = Hex.decode(HoneypotProbe.creationCode) ?? []
}
