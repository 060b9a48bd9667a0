"""The devnet answers like a production node: wire format, errors, subscriptions, controls."""
import json
import re
import urllib.request

from chain_helpers import TRANSFER_TOPIC, calldata, deploy_token
from eth_account import Account
from live_helpers import PATIENCE
from sigiltools.client import DEV_KEYS, RPCFailure, Wallet
from wsclient import WS

HEX_QTY = re.compile(r"^0x(0|[1-9a-f][0-9a-f]*)$")


def post_raw(url, body: bytes):
    req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=PATIENCE) as r:
        return json.loads(r.read())


def test_chain_id_and_net_version_agree(devnet):
    chain_id = devnet.rpc.call("eth_chainId")
    assert HEX_QTY.match(chain_id)
    assert int(chain_id, 16) == int(devnet.rpc.call("net_version")) == devnet.chain_id


def test_quantities_are_minimal_hex(devnet):
    for method, params in [("eth_blockNumber", []), ("eth_gasPrice", []), ("eth_maxPriorityFeePerGas", []),
                           ("eth_getBalance", [Account.from_key(DEV_KEYS[0]).address, "latest"]),
                           ("eth_getTransactionCount", [Account.from_key(DEV_KEYS[0]).address, "latest"])]:
        assert HEX_QTY.match(devnet.rpc.call(method, *params)), method
    block = devnet.rpc.call("eth_getBlockByNumber", "latest", False)
    for key in ("number", "gasLimit", "gasUsed", "timestamp", "baseFeePerGas", "size"):
        assert HEX_QTY.match(block[key]), key
    assert len(block["logsBloom"]) == 2 + 512
    assert len(block["hash"]) == 66 and block["hash"] == block["hash"].lower()
    assert devnet.rpc.call("eth_getBlockByHash", block["hash"], False) == block


def test_json_rpc_error_codes(devnet):
    url = devnet.http_url
    assert post_raw(url, b"{not json")["error"]["code"] == -32700
    assert post_raw(url, b'{"id":1,"method":"eth_chainId"}')["error"]["code"] == -32600
    assert post_raw(url, b'{"jsonrpc":"2.0","id":1,"method":"eth_nope","params":[]}')["error"]["code"] == -32601
    assert post_raw(url, b'{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["0x12"]}')["error"]["code"] == -32602
    assert post_raw(url, b"[]")["error"]["code"] == -32600


def test_batch_requests_answer_in_order(devnet):
    reply = post_raw(devnet.http_url, json.dumps([
        {"jsonrpc": "2.0", "id": 7, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 8, "method": "eth_nope", "params": []},
        {"jsonrpc": "2.0", "id": 9, "method": "net_version", "params": []},
    ]).encode())
    assert [r["id"] for r in reply] == [7, 8, 9]
    assert "result" in reply[0] and reply[1]["error"]["code"] == -32601 and reply[2]["result"] == str(devnet.chain_id)


def test_eip1559_and_legacy_transactions(devnet):
    w = Wallet(devnet.rpc, DEV_KEYS[5], devnet.chain_id)
    to = Account.from_key(DEV_KEYS[6]).address
    before = int(devnet.rpc.call("eth_getBalance", to, "latest"), 16)
    r1 = w.send(to, value=12345)
    assert r1["type"] == "0x2" and r1["status"] == "0x1"
    legacy = Account.from_key(DEV_KEYS[5]).sign_transaction(
        {"nonce": w.nonce, "to": to, "value": 5, "gas": 21000, "gasPrice": 50 * 10**9, "chainId": devnet.chain_id})
    w.nonce += 1
    h = devnet.rpc.call("eth_sendRawTransaction", "0x" + legacy.raw_transaction.hex().removeprefix("0x"))
    r2 = devnet.rpc.call("eth_getTransactionReceipt", h)
    assert r2["type"] == "0x0" and r2["status"] == "0x1"
    assert int(devnet.rpc.call("eth_getBalance", to, "latest"), 16) == before + 12345 + 5
    tx = devnet.rpc.call("eth_getTransactionByHash", h)
    assert tx["hash"] == h and tx["value"] == "0x5"
    assert devnet.rpc.call("eth_getTransactionReceipt", "0x" + "ab" * 32) is None


def test_fee_history_and_estimate(devnet):
    fh = devnet.rpc.call("eth_feeHistory", "0x3", "latest", [50])
    assert len(fh["baseFeePerGas"]) == len(fh["gasUsedRatio"]) + 1 == len(fh["reward"]) + 1
    assert HEX_QTY.match(fh["oldestBlock"])
    est = devnet.rpc.call("eth_estimateGas", {"from": Account.from_key(DEV_KEYS[0]).address,
                                               "to": Account.from_key(DEV_KEYS[1]).address, "value": "0x1"})
    assert int(est, 16) == 21000


def test_revert_gives_code_3_with_data(devnet):
    w, token = deploy_token(devnet)
    stranger = Account.from_key(DEV_KEYS[9]).address
    try:
        devnet.rpc.call("eth_call", {"from": stranger, "to": token,
                                     "data": calldata("transfer(address,uint256)", ["address", "uint256"], [w.address, 1])})
    except RPCFailure as e:
        assert e.error["code"] == 3
        assert e.error["message"].startswith("execution reverted")
        assert e.error["data"].startswith("0x")
    else:
        raise AssertionError("a transfer without balance must revert")


def test_ws_delivers_heads_and_logs_to_the_subscriptions_whose_filter_matches(devnet):
    w, token = deploy_token(devnet)
    ws = WS(devnet.ws_url)
    heads = ws.call("eth_subscribe", "newHeads")["result"]
    logs = ws.call("eth_subscribe", "logs", {"address": token, "topics": [TRANSFER_TOPIC]})["result"]
    other = ws.call("eth_subscribe", "logs", {"address": "0x" + "11" * 20})["result"]
    receipt = w.send(token, calldata("transfer(address,uint256)", ["address", "uint256"], [Account.from_key(DEV_KEYS[2]).address, 10]))
    got = ws.notifications(2, timeout=PATIENCE)
    by_sub = {n["params"]["subscription"]: n["params"]["result"] for n in got}
    assert set(by_sub) == {heads, logs}, "each subscription gets only what its filter selects"
    assert by_sub[heads]["hash"] == receipt["blockHash"]
    log = by_sub[logs]
    assert log["removed"] is False and log["transactionHash"] == receipt["transactionHash"]
    assert log == receipt["logs"][0]
    assert devnet.rpc.call("eth_getLogs", {"fromBlock": receipt["blockNumber"], "toBlock": receipt["blockNumber"], "address": token}) == [log]
    assert ws.call("eth_unsubscribe", other)["result"] is True
    ws.close()


def test_manual_mining_puts_several_transactions_in_one_block(devnet):
    w, token = deploy_token(devnet)
    devnet.rpc.call("sigil_setAutomine", False)
    try:
        hashes = [w.send(token, calldata("transfer(address,uint256)", ["address", "uint256"], [Account.from_key(DEV_KEYS[3]).address, i + 1]), wait=False) for i in range(3)]
        assert devnet.rpc.call("eth_getTransactionReceipt", hashes[0]) is None
        [block_hash] = devnet.rpc.call("sigil_mine", 1)
    finally:
        devnet.rpc.call("sigil_setAutomine", True)
    receipts = [devnet.rpc.call("eth_getTransactionReceipt", h) for h in hashes]
    assert {r["blockHash"] for r in receipts} == {block_hash}
    assert [r["transactionIndex"] for r in receipts] == ["0x0", "0x1", "0x2"]


def test_reorg_retracts_logs_and_delivers_replacements(devnet):
    w, token = deploy_token(devnet)
    to = Account.from_key(DEV_KEYS[4]).address
    ws = WS(devnet.ws_url)
    sub = ws.call("eth_subscribe", "logs", {"address": token})["result"]
    sent = [w.send(token, calldata("transfer(address,uint256)", ["address", "uint256"], [to, i + 1])) for i in range(3)]
    first = ws.notifications(3)
    assert [n["params"]["result"]["removed"] for n in first] == [False] * 3
    result = devnet.rpc.call("sigil_reorg", 2, {"drop": 1})
    assert result["dropped"] == [r["blockHash"] for r in sent[1:]]
    got = [n["params"]["result"] for n in ws.notifications(3)]
    assert all(n["params"]["subscription"] == sub for n in first)
    removed = [g for g in got if g["removed"]]
    added = [g for g in got if not g["removed"]]
    assert [g["transactionHash"] for g in removed] == [sent[2]["transactionHash"], sent[1]["transactionHash"]]
    assert [g["transactionHash"] for g in added] == [sent[1]["transactionHash"]]
    assert added[0]["blockHash"] not in result["dropped"]
    ws.close()


def test_pause_makes_a_half_open_socket(devnet):
    w, token = deploy_token(devnet)
    ws = WS(devnet.ws_url)
    ws.call("eth_subscribe", "newHeads")
    assert devnet.rpc.call("sigil_pauseWebsocket") >= 1
    missed = w.send(token, calldata("approve(address,uint256)", ["address", "uint256"], [token, 1]))
    fresh = WS(devnet.ws_url)
    assert fresh.call("eth_chainId")["result"] == hex(devnet.chain_id), "new connections are served"
    devnet.rpc.call("sigil_resumeWebsocket")
    after = w.send(token, calldata("approve(address,uint256)", ["address", "uint256"], [token, 2]))
    # The first head after the resume is the new block's: the one mined while paused never came.
    got = ws.notifications(1, timeout=PATIENCE)
    assert [n["params"]["result"]["hash"] for n in got] == [after["blockHash"]], (got, missed["blockHash"])
    ws.close()
    fresh.close()


def test_log_indices_are_numbered_within_the_block(devnet):
    w, token = deploy_token(devnet)
    devnet.rpc.call("sigil_setAutomine", False)
    try:
        hashes = [w.send(token, calldata("transfer(address,uint256)", ["address", "uint256"], [Account.from_key(DEV_KEYS[3]).address, i + 1]), wait=False) for i in range(3)]
        [block_hash] = devnet.rpc.call("sigil_mine", 1)
    finally:
        devnet.rpc.call("sigil_setAutomine", True)
    logs = devnet.rpc.call("eth_getLogs", {"blockHash": block_hash})
    assert [l["logIndex"] for l in logs] == ["0x0", "0x1", "0x2"]
    receipts = [devnet.rpc.call("eth_getTransactionReceipt", h) for h in hashes]
    assert [r["logs"][0]["logIndex"] for r in receipts] == ["0x0", "0x1", "0x2"]
    assert [r["logs"][0] for r in receipts] == logs
