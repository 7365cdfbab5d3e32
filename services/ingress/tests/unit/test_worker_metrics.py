"""Shared worker metrics: a dead worker's live gauges stop counting."""
import os
import subprocess
import sys

from ingress import metrics


def test_a_dead_workers_live_gauge_files_are_forgotten_and_a_live_ones_kept(tmp_path, monkeypatch):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for pid in (dead.pid, os.getpid()):
        (tmp_path / f"gauge_livesum_{pid}.db").write_bytes(b"")
    (tmp_path / "counter_1.db").write_bytes(b"")  # counters outlive their worker
    monkeypatch.setenv(metrics.MULTIPROC_DIR_VARIABLE, str(tmp_path))

    metrics.forget_dead_workers()

    assert sorted(p.name for p in tmp_path.iterdir()) == ["counter_1.db", f"gauge_livesum_{os.getpid()}.db"]
