"""What telemetry does right now, and why: the data behind ``automagik-telemetry status``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .config import TelemetryConfig
from .config.masking import mask_url
from .consent.decision import ConsentDecision
from .consent.store import ConsentStore

__all__ = ["TelemetryStatus", "build_status", "describe_destinations"]


@dataclass(frozen=True)
class TelemetryStatus:
    enabled: bool
    level: str
    reason: str
    rule: str
    service_name: str
    service_version: str | None
    destinations: dict[str, str]
    install_id: str | None
    config_dir: str
    consent_file: str
    """The file that holds the user's recorded choice (it may not exist yet)."""
    opt_out_file: str
    running: bool
    """Whether this process has a live pipeline (always ``False`` for the CLI)."""
    pending: str | None = None
    """A change that waits for the next start (opting in never applies to a running app)."""
    config_sources: dict[str, str] = field(default_factory=dict)
    spool: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per backend directory: batches and bytes waiting on disk, the oldest one's age in
    seconds, what was dropped (by reason) since the spool was created and, in a running app
    whose spool cannot be used, the ``problem``."""
    queue_dropped: dict[str, int] = field(default_factory=dict)
    """Items this process's memory budget pushed out, per signal (a running app only)."""
    invalid_calls: dict[str, int] = field(default_factory=dict)
    """``track_*`` calls dropped for bad arguments, per call (a running app only)."""
    unencodable: dict[str, int] = field(default_factory=dict)
    """What the OTLP encoders had to leave out since start: ``items`` (spans, log records,
    metric points) and ``attributes`` (a running app only; see docs/ENCODING.md)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def render(self) -> str:
        state = f"ON ({self.level})" if self.enabled else "OFF"
        lines = [
            f"Telemetry: {state}",
            f"  reason:       {self.reason}",
            f"  service:      {self.service_name}"
            + (f" {self.service_version}" if self.service_version else ""),
        ]
        label = "sends to:    " if self.enabled else "would send:  "
        lines += [f"  {label} {where}" for where in self.destinations.values()]
        lines += [
            f"  install id:   {self.install_id or '(none: created only once telemetry is on)'}",
            f"  consent file: {self.consent_file}",
            f"  opt-out file: {self.opt_out_file}",
        ]
        if self.pending:
            lines.append(f"  pending:      {self.pending}")
        for name, spool in self.spool.items():
            age = spool["oldest_age_seconds"]
            waiting = f"{spool['batches']} batches, {spool['bytes']} bytes"
            if age is not None:
                waiting += f", oldest {age:.0f}s"
            lines.append(f"  spool:        {name}: {waiting}")
            if spool.get("problem"):
                lines.append(f"                not usable: {spool['problem']}")
            for reason, counts in sorted(spool["dropped"].items()):
                lines.append(
                    f"                dropped ({reason}): {counts['batches']} batches, "
                    f"{counts['bytes']} bytes"
                )
        for signal, count in sorted(self.queue_dropped.items()):
            if count:
                lines.append(f"  queue:        {count} {signal} dropped (memory budget full)")
        for call, count in sorted(self.invalid_calls.items()):
            lines.append(f"  calls:        {count} {call}() dropped (invalid arguments)")
        for what, count in sorted(self.unencodable.items()):
            if count:
                lines.append(f"  encoding:     {count} {what} left out (could not be encoded)")
        if self.config_sources:
            sources = ", ".join(f"{k} ({v})" for k, v in sorted(self.config_sources.items()))
            lines.append(f"  settings:     {sources}")
        return "\n".join(lines)


def describe_destinations(config: TelemetryConfig) -> dict[str, str]:
    """Where each configured backend sends, without building (or connecting) anything;
    never a credential (URLs are masked, the ClickHouse description has none)."""
    described: dict[str, str] = {}
    for backend in config.backends:
        if backend == "otlp":
            described[backend] = "OTLP/HTTP " + ", ".join(
                f"{signal} {mask_url(config.signal_endpoint(signal))}"
                for signal in ("traces", "metrics", "logs")
            )
        elif backend == "clickhouse":
            from .exporters.clickhouse.settings import ClickHouseSettings

            described[backend] = ClickHouseSettings.from_config(config).describe()
        else:
            described[backend] = "stderr (debug mode: printed, nothing is sent)"
    return described


def build_status(
    config: TelemetryConfig,
    current: ConsentDecision,
    *,
    next_start: ConsentDecision,
    running: bool,
    store: ConsentStore | None = None,
    queue_dropped: dict[str, int] | None = None,
    invalid_calls: dict[str, int] | None = None,
    unencodable: dict[str, int] | None = None,
    spool_health: dict[str, tuple[str | None, dict[str, dict[str, int]]]] | None = None,
) -> TelemetryStatus:
    """``spool_health``: per spool directory name, a running app's view that the disk cannot
    hold when the spool is unusable: the problem and the drops ``stats.json`` could not
    record."""
    store = store if store is not None else ConsentStore(config.config_dir)
    pending = None
    if next_start.level.rank > current.level.rank:
        pending = (
            f"{next_start.level.value} at the next start of the program ({next_start.reason}); "
            "opting in never changes a running program"
        )
    return TelemetryStatus(
        enabled=current.enabled,
        level=current.level.value,
        reason=current.reason,
        rule=current.rule,
        service_name=config.service_name,
        service_version=config.service_version,
        destinations=describe_destinations(config),
        install_id=store.install_id(create=False),
        config_dir=str(store.config_dir),
        consent_file=str(store.preference_path),
        opt_out_file=str(store.opt_out_path),
        running=running,
        pending=pending,
        config_sources=dict(config.sources),
        spool=_spools(config, spool_health or {}),
        queue_dropped=dict(queue_dropped or {}),
        invalid_calls=dict(invalid_calls or {}),
        unencodable=dict(unencodable or {}),
    )


def _spools(
    config: TelemetryConfig, health: dict[str, tuple[str | None, dict[str, dict[str, int]]]]
) -> dict[str, dict[str, Any]]:
    from .spool.layout import spooled_stats  # reads the spool directories: only when asked

    spools: dict[str, dict[str, Any]] = {
        name: {
            "batches": stats.batches,
            "bytes": stats.bytes,
            "oldest_age_seconds": stats.oldest_age,
            "dropped": stats.dropped,
        }
        for name, stats in spooled_stats(config.spool_dir, config.service_name).items()
    }
    for name, (problem, unsaved) in health.items():
        if problem is None and not unsaved:
            continue
        entry = spools.setdefault(
            name, {"batches": 0, "bytes": 0, "oldest_age_seconds": None, "dropped": {}}
        )
        entry["problem"] = problem
        for reason, counts in unsaved.items():
            total = entry["dropped"].setdefault(reason, {"batches": 0, "bytes": 0})
            total["batches"] += counts["batches"]
            total["bytes"] += counts["bytes"]
    return spools
