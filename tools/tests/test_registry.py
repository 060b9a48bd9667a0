"""ModelRegistry: every rule, checked on the devnet through web3.py (a real client of the
node's wire format), and the committed artifact checked against a fresh compile."""
import pytest
from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractLogicError

from sigiltools import contracts
from sigiltools.client import DEV_KEYS

OWNER, PUBLISHER, CONTRIBUTOR, STRANGER = (Account.from_key(k) for k in DEV_KEYS[:4])
MODEL = Web3.keccak(text="sigil/model-signal")
H1, H2 = b"\x11" * 32, b"\x22" * 32


def transact(w3, acct, fn):
    tx = fn.build_transaction({"from": acct.address, "nonce": w3.eth.get_transaction_count(acct.address), "gas": 1_000_000})
    signed = acct.sign_transaction(tx)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction))
    assert receipt.status == 1
    return receipt


def reverts(w3, acct, fn, reason):
    with pytest.raises(ContractLogicError) as e:
        fn.call({"from": acct.address})
    assert reason in str(e.value)
    # and the same transaction sent for real is mined as failed
    tx = fn.build_transaction({"from": acct.address, "nonce": w3.eth.get_transaction_count(acct.address), "gas": 1_000_000})
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(acct.sign_transaction(tx).raw_transaction))
    assert receipt.status == 0


@pytest.fixture(scope="module")
def registry(devnet):
    w3 = Web3(Web3.HTTPProvider(devnet.http_url))
    art = contracts.load("ModelRegistry")
    factory = w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
    receipt = transact(w3, OWNER, factory.constructor())
    return w3, w3.eth.contract(address=receipt.contractAddress, abi=art["abi"])


def test_artifact_matches_source():
    assert contracts.check() == []


def test_owner_is_deployer(registry):
    _, reg = registry
    assert reg.functions.owner().call() == OWNER.address


def test_only_owner_authorises_publishers(registry):
    w3, reg = registry
    reverts(w3, STRANGER, reg.functions.setPublisher(STRANGER.address, True), "not owner")
    receipt = transact(w3, OWNER, reg.functions.setPublisher(PUBLISHER.address, True))
    assert reg.functions.isPublisher(PUBLISHER.address).call()
    [ev] = reg.events.PublisherChanged().process_receipt(receipt)
    assert ev.args.publisher == PUBLISHER.address and ev.args.authorised is True


def test_only_publishers_publish(registry):
    w3, reg = registry
    reverts(w3, STRANGER, reg.functions.publish(MODEL, H1, "file://m.safetensors", CONTRIBUTOR.address), "not publisher")


def test_publish_appends_versions_and_logs_them(registry):
    w3, reg = registry
    transact(w3, OWNER, reg.functions.setPublisher(PUBLISHER.address, True))
    r1 = transact(w3, PUBLISHER, reg.functions.publish(MODEL, H1, "file://v1.safetensors", CONTRIBUTOR.address))
    r2 = transact(w3, PUBLISHER, reg.functions.publish(MODEL, H2, "https://example.invalid/v2", STRANGER.address))
    [e1] = reg.events.ModelPublished().process_receipt(r1)
    [e2] = reg.events.ModelPublished().process_receipt(r2)
    assert (e1.args.modelId, e1.args.version, e1.args.weightsHash, e1.args.publisher, e1.args.contributor) == \
        (MODEL, 1, H1, PUBLISHER.address, CONTRIBUTOR.address)
    assert (e2.args.version, e2.args.uri) == (2, "https://example.invalid/v2")
    assert reg.functions.versionCount(MODEL).call() == 2
    v1 = reg.functions.getVersion(MODEL, 1).call()
    assert v1[:4] == [H1, "file://v1.safetensors", PUBLISHER.address, CONTRIBUTOR.address] or \
        tuple(v1[:4]) == (H1, "file://v1.safetensors", PUBLISHER.address, CONTRIBUTOR.address)
    count, latest = reg.functions.latest(MODEL).call()
    assert count == 2 and latest[0] == H2 and latest[3] == STRANGER.address
    # version 1 is untouched by version 2: append-only
    assert reg.functions.getVersion(MODEL, 1).call()[0] == H1


def test_unknown_versions_and_models_revert(registry):
    w3, reg = registry
    with pytest.raises(ContractLogicError, match="unknown version"):
        reg.functions.getVersion(MODEL, 0).call()
    with pytest.raises(ContractLogicError, match="unknown version"):
        reg.functions.getVersion(MODEL, 99).call()
    with pytest.raises(ContractLogicError, match="unknown model"):
        reg.functions.latest(Web3.keccak(text="nobody")).call()


def test_empty_fields_are_rejected(registry):
    w3, reg = registry
    transact(w3, OWNER, reg.functions.setPublisher(PUBLISHER.address, True))
    reverts(w3, PUBLISHER, reg.functions.publish(MODEL, b"\x00" * 32, "file://x", CONTRIBUTOR.address), "empty weights hash")
    reverts(w3, PUBLISHER, reg.functions.publish(MODEL, H1, "", CONTRIBUTOR.address), "empty uri")
    reverts(w3, PUBLISHER, reg.functions.publish(b"\x00" * 32, H1, "file://x", CONTRIBUTOR.address), "empty model id")


def test_deauthorised_publisher_cannot_publish(registry):
    w3, reg = registry
    other = Account.from_key(DEV_KEYS[5])
    transact(w3, OWNER, reg.functions.setPublisher(other.address, True))
    transact(w3, OWNER, reg.functions.setPublisher(other.address, False))
    reverts(w3, other, reg.functions.publish(MODEL, H1, "file://x", CONTRIBUTOR.address), "not publisher")


def test_ownership_transfer(registry):
    w3, reg = registry
    reverts(w3, STRANGER, reg.functions.transferOwnership(STRANGER.address), "not owner")
    new_owner = Account.from_key(DEV_KEYS[6])
    transact(w3, OWNER, reg.functions.transferOwnership(new_owner.address))
    assert reg.functions.owner().call() == new_owner.address
    reverts(w3, OWNER, reg.functions.setPublisher(OWNER.address, True), "not owner")
    transact(w3, new_owner, reg.functions.setPublisher(OWNER.address, True))
    transact(w3, new_owner, reg.functions.transferOwnership(OWNER.address))
