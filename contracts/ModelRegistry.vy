# pragma version ~=0.4.3
"""
@title ModelRegistry
@notice Append-only registry of community model versions. Per model id (bytes32) it keeps a
        list of versions numbered from 1, each with the SHA-256 of the weights file, a uri,
        the publisher that recorded it and the contributor it credits. Only publishers the
        owner authorised may publish; nothing is ever overwritten or deleted.
"""

MAX_URI: constant(uint256) = 512

struct Version:
    weightsHash: bytes32
    uri: String[MAX_URI]
    publisher: address
    contributor: address
    publishedAt: uint256

event ModelPublished:
    modelId: indexed(bytes32)
    version: indexed(uint256)
    publisher: indexed(address)
    weightsHash: bytes32
    uri: String[MAX_URI]
    contributor: address

event PublisherChanged:
    publisher: indexed(address)
    authorised: bool

event OwnershipTransferred:
    previousOwner: indexed(address)
    newOwner: indexed(address)

owner: public(address)
isPublisher: public(HashMap[address, bool])
versionCount: public(HashMap[bytes32, uint256])
_versions: HashMap[bytes32, HashMap[uint256, Version]]


@deploy
def __init__():
    self.owner = msg.sender
    log OwnershipTransferred(previousOwner=empty(address), newOwner=msg.sender)


@external
def setPublisher(publisher: address, authorised: bool):
    """@notice Authorises or de-authorises a publisher. Owner only."""
    assert msg.sender == self.owner, "not owner"
    assert publisher != empty(address), "zero publisher"
    self.isPublisher[publisher] = authorised
    log PublisherChanged(publisher=publisher, authorised=authorised)


@external
def transferOwnership(newOwner: address):
    """@notice Hands the registry to a new owner. Owner only."""
    assert msg.sender == self.owner, "not owner"
    assert newOwner != empty(address), "zero owner"
    log OwnershipTransferred(previousOwner=self.owner, newOwner=newOwner)
    self.owner = newOwner


@external
def publish(modelId: bytes32, weightsHash: bytes32, uri: String[MAX_URI], contributor: address) -> uint256:
    """@notice Appends a version to `modelId` and returns its number (1 for the first)."""
    assert self.isPublisher[msg.sender], "not publisher"
    assert modelId != empty(bytes32), "empty model id"
    assert weightsHash != empty(bytes32), "empty weights hash"
    assert len(uri) > 0, "empty uri"
    version: uint256 = self.versionCount[modelId] + 1
    self._versions[modelId][version] = Version(
        weightsHash=weightsHash, uri=uri, publisher=msg.sender, contributor=contributor,
        publishedAt=block.timestamp
    )
    self.versionCount[modelId] = version
    log ModelPublished(
        modelId=modelId, version=version, publisher=msg.sender, weightsHash=weightsHash,
        uri=uri, contributor=contributor
    )
    return version


@view
@external
def latest(modelId: bytes32) -> (uint256, Version):
    """@notice The newest version number of `modelId` and its record."""
    count: uint256 = self.versionCount[modelId]
    assert count > 0, "unknown model"
    return count, self._versions[modelId][count]


@view
@external
def getVersion(modelId: bytes32, version: uint256) -> Version:
    """@notice The record of one version of `modelId`."""
    assert version >= 1 and version <= self.versionCount[modelId], "unknown version"
    return self._versions[modelId][version]
