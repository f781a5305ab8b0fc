"""Each environment's default bucket is its own: distinct names never share a bucket."""

import random
import re
import string

import pytest

from emulator.model.defaults import default_bucket
from emulator.model.rules import BUCKET_NAME

# What default buckets look like: S3's rules, without dots (3-63 lower-case letters, digits and
# hyphens, starting and ending with a letter or digit).
PLAIN_BUCKET = re.compile(r"[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
ENVIRONMENT_NAME = re.compile(r"[a-zA-Z][0-9a-zA-Z-_]{0,79}")
RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3")


def test_the_default_environment_keeps_the_default_bucket() -> None:
    assert default_bucket("local") == "mwaa-local"


@pytest.mark.parametrize(
    "name", ["team-a", "analytics", "a", "a1-b2-c3", "local-2", "mwaa", "a" * 52, "b-" * 25 + "bb"]
)
def test_names_that_are_valid_bucket_suffixes_stay_readable(name: str) -> None:
    assert default_bucket(name) == f"mwaa-local-{name}"


@pytest.mark.parametrize(
    ("name", "bucket"),
    [
        ("team_a", "mwaa-local-team-a--112cd0cb52"),
        ("Team-A", "mwaa-local-team-a--5ee609b6f0"),
        ("a" * 80, "mwaa-local-" + "a" * 40 + "--0f45e858fb"),
        ("x-s3alias", "mwaa-local-x-s3alias--f736ec3cd0"),
    ],
)
def test_other_names_get_a_hash_of_the_exact_name(name: str, bucket: str) -> None:
    assert default_bucket(name) == bucket


def test_names_that_used_to_collide_get_distinct_buckets() -> None:
    groups = [
        ["team_a", "team-a", "Team-A", "TEAM_A", "team__a", "team--a", "team-_a"],
        ["a" * 52, "a" * 53, "a" * 63, "a" * 64, "a" * 80, "a" * 52 + "-", "a" * 52 + "_"],
        ["x" * 60 + "a", "x" * 60 + "b", "x" * 60 + "-b", "x" * 60 + "_b"],
        ["local", "Local", "LOCAL", "local-", "local_"],
        ["ab-", "ab_", "ab", "Ab"],
    ]
    for group in groups:
        buckets = [default_bucket(name) for name in group]
        assert len(set(buckets)) == len(group), dict(zip(group, buckets, strict=True))


def generated_names(count: int) -> list[str]:
    """Random environment names, and for each its look-alikes (case, `_` for `-`, lengths)."""
    generator = random.Random(20240601)
    alphabet = string.ascii_letters + string.digits + "-_" * 8
    names = []
    for _ in range(count):
        length = generator.choice([1, 2, 5, 20, 40, 50, 51, 52, 53, 54, 60, 63, 64, 79, 80])
        name = generator.choice(string.ascii_letters) + "".join(generator.choices(alphabet, k=length - 1))
        names += [name, name.lower(), name.upper(), name.replace("_", "-"), name.replace("-", "_")]
        names += [name.lower().replace("_", "-")[:52], name.lower().replace("_", "-")[:52] + "-"]
    tricky = ["a", "A", "a-", "a_", "a--", "a__", "a-" * 40, "a_" * 40, "a" + "-" * 79, "a" + "_" * 79]
    tricky += [default_bucket("Team-A").removeprefix("mwaa-local-"), "team-a-5ee609b6f0", "team-a--5ee609b6f0"]
    tricky += ["x-s3alias", "x--ol-s3", "x--x-s3", "x--table-s3", "xn--a", "local", "mwaa-local"]
    return list(dict.fromkeys(name[:80] for name in names + tricky if ENVIRONMENT_NAME.fullmatch(name[:80])))


def test_every_default_bucket_is_valid_and_distinct() -> None:
    names = generated_names(3000)
    assert len(names) > 10000
    buckets = {name: default_bucket(name) for name in names}
    for name, bucket in buckets.items():
        assert BUCKET_NAME.fullmatch(bucket), (name, bucket)
        assert PLAIN_BUCKET.fullmatch(bucket), (name, bucket)
        assert not bucket.endswith(RESERVED_SUFFIXES), (name, bucket)
        assert not bucket.startswith(("xn--", "sthree-", "amzn-s3-demo-")), (name, bucket)
    shared: dict[str, list[str]] = {}
    for name, bucket in buckets.items():
        shared.setdefault(bucket, []).append(name)
    assert [group for group in shared.values() if len(group) > 1] == []
