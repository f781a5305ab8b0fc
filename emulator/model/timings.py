"""How quickly bucket changes reach Airflow: MWAA's timings, or faster ones for development."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Timings:
    name: str
    sync_interval: float  # seconds between two bucket → dags-folder syncs
    dag_dir_list_interval: int  # seconds between two scans for new or deleted DAG files
    min_file_process_interval: int  # seconds before a DAG file is parsed again
    scale_in_cooldown: float  # seconds workers stay unneeded before the autoscaler removes them


# MWAA: a 30 s sync (UG configuring-dag-folder), Airflow's 300 s folder scan and 30 s re-parse.
# AWS documents no scale-in delay; two minutes is ours (its alarms look at minutes of metrics).
MWAA = Timings("mwaa", sync_interval=30, dag_dir_list_interval=300, min_file_process_interval=30, scale_in_cooldown=120)
# Development: a new DAG shows up within about two seconds; costs a little idle CPU for the
# rescans. The sync every half second: a new file waits 0.25 s for it on average, then Airflow
# 3's DAG processor, which loops once a second, and the parse take most of the rest.
# A changed file is parsed at its next scan whatever min_file_process_interval says (Airflow
# parses files modified since their last parse first): MWAA's 30 s only paces re-parsing
# unchanged files, which shorter would cost CPU for nothing.
DEV = Timings("dev", sync_interval=0.5, dag_dir_list_interval=1, min_file_process_interval=30, scale_in_cooldown=20)
# Airflow 3's DAG processor asks whether its bundle is due a scan only this often (its default 5 s):
# a shorter folder scan than that is not seen sooner.
BUNDLE_REFRESH_CHECK_DEFAULT = 5

PROFILES = {profile.name: profile for profile in (MWAA, DEV)}
