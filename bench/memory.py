"""Each service's memory: resident size and garbage collections."""

from __future__ import annotations

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families
from run_local import LocalSystem

from cpu import process_tree


def rss_mib(system: LocalSystem) -> dict[str, float]:
    """Each service's resident memory, its workers included."""
    return {
        name: round(
            sum(psutil.Process(pid).memory_info().rss for pid in process_tree(process.pid)) / 2**20,
            1,
        )
        for name, process in system.processes.items()
    }


def gc_collections(system: LocalSystem) -> dict[str, list[int]]:
    """Each service's garbage collections since it started, young, middle and full
    generation, from its own /metrics (prometheus_client's `python_gc_collections_total`)."""
    counts: dict[str, list[int]] = {}
    for name, port in system.ports.items():
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        by_generation = {
            sample.labels["generation"]: int(sample.value)
            for family in text_string_to_metric_families(text)
            if family.name == "python_gc_collections"
            for sample in family.samples
        }
        counts[name] = [by_generation[generation] for generation in ("0", "1", "2")]
    return counts
