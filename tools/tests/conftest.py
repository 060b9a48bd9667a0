import pytest

from sigiltools.client import Devnet


@pytest.fixture(scope="module")
def devnet():
    """A devnet on free ports for this module; fails loudly if it cannot start."""
    with Devnet(seed=3) as d:
        yield d
