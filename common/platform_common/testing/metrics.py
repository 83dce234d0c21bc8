"""Reading a Prometheus text exposition (a scrape of `/metrics`) in tests."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families


def metric_value(exposition: str, name: str, **labels: str) -> float | None:
    """The value of the sample `name{labels}` (labels given must match; others are
    ignored), None when the scrape has no such sample."""
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return None


def exported_names(exposition: str) -> set[str]:
    """Every metric name a dashboard may query: sample names, and family names
    (a labelled family with no sample yet still names what will be exported),
    with the suffixes their type produces."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("_sum", "_count", "_created"),
        "gauge": (),
    }
    names: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        names.add(family.name)
        names.update(family.name + suffix for suffix in suffixes.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names
