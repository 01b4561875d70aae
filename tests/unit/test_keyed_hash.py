import hashlib

from django.test import override_settings

from saleor_rewards.keyed_hash import keyed_hash
from saleor_rewards.programs.retention import PURGES, discover, purge


def test_keyed_hash_is_not_a_plain_sha256_and_depends_on_secret_and_purpose():
    address = "friend@example.com"
    with override_settings(SALEOR_REWARDS_HASH_SECRET="one"):
        first = keyed_hash(address, "invite")
        assert first != hashlib.sha256(address.encode()).hexdigest()
        assert first == keyed_hash(address, "invite")
        assert first != keyed_hash(address, "client")
    with override_settings(SALEOR_REWARDS_HASH_SECRET="two"):
        assert keyed_hash(address, "invite") != first


def test_purge_names_are_unique():
    @purge("test-unique", "a test purge")
    def one(now, *, dry_run, batch_size, progress):
        return 0

    try:
        try:
            purge("test-unique", "another")(lambda now, **kw: 0)
        except ValueError:
            pass
        else:
            raise AssertionError("a second purge of the same name was accepted")
        assert "test-unique" in discover()
    finally:
        PURGES.pop("test-unique", None)
