"""The bench prints each compared row as a ratio of mwaa-local's figure to plain Airflow's."""

from __future__ import annotations

import pytest

from tools.bench import ratios

pytestmark = pytest.mark.unit


def test_each_row_both_sides_measured_is_a_ratio() -> None:
    mwaa_local = {"up_cold_seconds": 46.0, "memory_rss_total_mib": 1300.0, "upload_to_visible_seconds": 1.5, "x": 1}
    plain = {"up_cold_seconds": 40.0, "memory_rss_total_mib": 1000.0, "file_to_visible_seconds": 3.0}
    assert ratios(mwaa_local, plain) == {
        "up_cold_seconds": 1.15,
        "memory_rss_total_mib": 1.3,
        "upload_to_visible_seconds": 0.5,
    }


def test_a_row_plain_airflow_lacks_or_measured_as_zero_has_no_ratio() -> None:
    assert ratios({"idle_cpu_machine_percent": 30.0, "up_cold_seconds": 1.0}, {"idle_cpu_machine_percent": 0.0}) == {}
