"""Fixtures for fault tests: a throwaway PostgreSQL cluster that tests may stop and restart.

Under CI=true a cluster that cannot be started is a failure, never a skip: the outage tests are the proof that
nothing acknowledged is lost, and a silently skipped proof proves nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.reliability.pgcluster import ClusterUnavailable, PgCluster


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[PgCluster]:
    """A private PostgreSQL server on a free loopback port, removed at the end of the module."""
    cluster: PgCluster | None = None
    try:
        cluster = PgCluster()
        cluster.init()
        cluster.start()
    except (ClusterUnavailable, OSError) as exc:
        if cluster is not None:
            cluster.destroy()
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot start a throwaway PostgreSQL cluster under CI=true: {exc}")
        pytest.skip(f"cannot start a throwaway PostgreSQL cluster: {exc} (CI=true makes this a failure)")
    try:
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def running_cluster(pg_cluster: PgCluster) -> PgCluster:
    """The cluster, started again if an earlier test left it stopped."""
    if not pg_cluster.running():
        pg_cluster.start()
    return pg_cluster
