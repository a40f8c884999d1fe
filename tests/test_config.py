from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from automagik_telemetry import ConfigurationError, ConsentLevel, TelemetryConfig
from automagik_telemetry.config import settings as config_module

DOCS = Path(__file__).resolve().parents[1] / "docs" / "CONFIGURATION.md"


def test_defaults_send_gzip_otlp_to_namastex() -> None:
    config = TelemetryConfig.resolve({})
    assert config.backends == ("otlp",)
    assert config.compression == "gzip"
    assert config.signal_endpoint("traces") == "https://telemetry.namastex.ai/v1/traces"
    assert config.signal_endpoint("metrics") == "https://telemetry.namastex.ai/v1/metrics"
    assert config.signal_endpoint("logs") == "https://telemetry.namastex.ai/v1/logs"
    assert config.enabled is None
    assert config.sources == {}


def test_environment_beats_defaults_and_code_beats_environment() -> None:
    env = {"AUTOMAGIK_TELEMETRY_SERVICE_NAME": "from-env", "AUTOMAGIK_TELEMETRY_TIMEOUT": "2500"}
    from_env = TelemetryConfig.resolve(env)
    assert (from_env.service_name, from_env.timeout) == ("from-env", 2.5)
    assert from_env.sources["service_name"] == "env:AUTOMAGIK_TELEMETRY_SERVICE_NAME"

    from_code = TelemetryConfig.resolve(env, service_name="from-code", timeout=1)
    assert (from_code.service_name, from_code.timeout) == ("from-code", 1.0)
    assert from_code.sources["service_name"] == "code"


def test_automagik_variable_beats_the_standard_otel_variable() -> None:
    env = {
        "OTEL_SERVICE_NAME": "otel-name",
        "AUTOMAGIK_TELEMETRY_SERVICE_NAME": "automagik-name",
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel:4318",
        "OTEL_TRACES_SAMPLER_ARG": "0.5",
    }
    config = TelemetryConfig.resolve(env)
    assert config.service_name == "automagik-name"
    assert config.endpoint == "http://otel:4318"  # only the OTEL name is set
    assert config.sample_rate == 0.5


def test_per_signal_endpoint_beats_base_endpoint_in_the_same_layer() -> None:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://base:4318",
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999/custom",
    }
    config = TelemetryConfig.resolve(env)
    assert config.signal_endpoint("traces") == "http://traces:9999/custom"
    assert config.signal_endpoint("logs") == "http://base:4318/v1/logs"


def test_base_endpoint_from_code_beats_a_stray_per_signal_variable() -> None:
    env = {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://someone-elses-collector:4318/v1/traces"}
    config = TelemetryConfig.resolve(env, endpoint="https://collector.example.com")
    assert config.signal_endpoint("traces") == "https://collector.example.com/v1/traces"


def test_per_signal_endpoint_given_directly_in_code_is_used() -> None:
    config = TelemetryConfig(traces_endpoint="http://traces.example.com:4318/custom")
    assert config.signal_endpoint("traces") == "http://traces.example.com:4318/custom"
    assert config.signal_endpoint("logs") == "https://telemetry.namastex.ai/v1/logs"


def test_seed_style_full_traces_url_is_accepted_as_base() -> None:
    env = {"AUTOMAGIK_TELEMETRY_ENDPOINT": "https://telemetry.example.com/v1/traces/"}
    config = TelemetryConfig.resolve(env)
    assert config.signal_endpoint("metrics") == "https://telemetry.example.com/v1/metrics"


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("5000", 5.0), ("250ms", 0.25), ("3s", 3.0), ("1m", 60.0), (" 1.5 S ", 1.5)],
)
def test_durations_in_the_environment_are_milliseconds_unless_a_unit_says_otherwise(
    raw: str, seconds: float
) -> None:
    config = TelemetryConfig.resolve({"OTEL_EXPORTER_OTLP_TIMEOUT": raw})
    assert config.timeout == seconds


def test_headers_are_parsed_like_otel_exporter_otlp_headers() -> None:
    env = {"OTEL_EXPORTER_OTLP_HEADERS": "api-key=abc%3D%3D, x-team = core ,"}
    assert TelemetryConfig.resolve(env).headers == {"api-key": "abc==", "x-team": "core"}


@pytest.mark.parametrize(
    ("raw", "level"),
    [
        ("true", ConsentLevel.ALL),
        ("1", ConsentLevel.ALL),
        ("all", ConsentLevel.ALL),
        ("errors", ConsentLevel.ERRORS),
        ("ERRORS", ConsentLevel.ERRORS),
        ("off", ConsentLevel.OFF),
        ("no", ConsentLevel.OFF),
    ],
)
def test_enabled_accepts_booleans_and_levels(raw: str, level: ConsentLevel) -> None:
    assert TelemetryConfig.resolve({"AUTOMAGIK_TELEMETRY_ENABLED": raw}).enabled is level


def test_enabled_from_code_accepts_bool_and_level_names() -> None:
    assert TelemetryConfig(enabled=True).enabled is ConsentLevel.ALL
    assert TelemetryConfig(enabled=False).enabled is ConsentLevel.OFF
    assert TelemetryConfig(enabled="errors").enabled is ConsentLevel.ERRORS
    assert TelemetryConfig(enabled=ConsentLevel.ERRORS).consent_setting is ConsentLevel.ERRORS


def test_backends_accept_several_and_verbose_replaces_them_with_console() -> None:
    config = TelemetryConfig.resolve({"AUTOMAGIK_TELEMETRY_BACKEND": "otlp, console,otlp"})
    assert config.backends == ("otlp", "console")
    assert TelemetryConfig(backend=["console"]).backends == ("console",)
    verbose = TelemetryConfig.resolve({"AUTOMAGIK_TELEMETRY_VERBOSE": "1"})
    assert verbose.backends == ("console",)


def test_empty_environment_values_count_as_unset() -> None:
    config = TelemetryConfig.resolve({"AUTOMAGIK_TELEMETRY_TIMEOUT": "  ", "OTEL_SERVICE_NAME": ""})
    assert config.timeout == 10.0
    assert config.service_name == "unknown_service"


def test_resource_attributes_and_config_dir_from_environment(tmp_path: Path) -> None:
    env = {
        "OTEL_RESOURCE_ATTRIBUTES": "team=core,deployment.environment.name=prod",
        "AUTOMAGIK_TELEMETRY_CONFIG_DIR": str(tmp_path),
        "AUTOMAGIK_ENV": "production",
    }
    config = TelemetryConfig.resolve(env)
    assert config.resource_attributes == {"team": "core", "deployment.environment.name": "prod"}
    assert config.config_dir == tmp_path
    assert config.environment == "production"


def test_with_overrides_revalidates_and_records_code_source() -> None:
    base = TelemetryConfig.resolve({"AUTOMAGIK_TELEMETRY_TIMEOUT": "1000"})
    changed = base.with_overrides(timeout=3)
    assert changed.timeout == 3.0
    assert changed.sources["timeout"] == "code"
    with pytest.raises(ConfigurationError, match="timeout"):
        base.with_overrides(timeout=-1)


def test_config_is_immutable() -> None:
    config = TelemetryConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.timeout = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.headers["x"] = "y"  # type: ignore[index]


# -- bad values: each names the setting, the value and what is accepted -------------------


@pytest.mark.parametrize(
    ("env", "setting", "accepted"),
    [
        ({"AUTOMAGIK_TELEMETRY_BACKEND": "kafka"}, "backend", "otlp, console"),
        ({"AUTOMAGIK_TELEMETRY_BACKEND": ","}, "backend", "otlp, console"),
        ({"AUTOMAGIK_TELEMETRY_TIMEOUT": "ten"}, "timeout", "milliseconds"),
        ({"OTEL_EXPORTER_OTLP_TIMEOUT": "-5"}, "timeout", "milliseconds"),
        ({"AUTOMAGIK_TELEMETRY_TIMEOUT": "0"}, "timeout", "milliseconds"),
        ({"AUTOMAGIK_TELEMETRY_ENDPOINT": "telemetry.example.com"}, "endpoint", "http://"),
        ({"AUTOMAGIK_TELEMETRY_ENDPOINT": "ftp://example.com"}, "endpoint", "https://"),
        ({"AUTOMAGIK_TELEMETRY_ENDPOINT": "http://host:99999"}, "endpoint", "absolute URL"),
        ({"AUTOMAGIK_TELEMETRY_ENDPOINT": "http://[::1"}, "endpoint", "absolute URL"),
        ({"OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://"}, "logs_endpoint", "absolute URL"),
        ({"AUTOMAGIK_TELEMETRY_SAMPLE_RATE": "-0.1"}, "sample_rate", "0.0 to 1.0"),
        ({"OTEL_TRACES_SAMPLER_ARG": "half"}, "sample_rate", "0.0 to 1.0"),
        ({"AUTOMAGIK_TELEMETRY_ENABLED": "maybe"}, "enabled", "errors, all"),
        ({"AUTOMAGIK_TELEMETRY_VERBOSE": "loud"}, "verbose", "true/false"),
        ({"AUTOMAGIK_TELEMETRY_COMPRESSION": "brotli"}, "compression", "gzip, deflate, none"),
    ],
)
def test_bad_environment_values_raise_a_clear_configuration_error(
    env: dict[str, str], setting: str, accepted: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        TelemetryConfig.resolve(env)
    error = caught.value
    ((variable, raw),) = env.items()
    assert error.setting == setting
    assert error.value == raw.strip()
    assert error.source == f"env:{variable}"
    assert accepted in error.accepted
    assert setting in str(error)
    assert variable in str(error)
    assert repr(raw.strip()) in str(error)


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        ({"timeout": "10"}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": True}, "timeout"),
        ({"sample_rate": -1}, "sample_rate"),
        ({"sample_rate": 1.5}, "sample_rate"),
        ({"sample_rate": True}, "sample_rate"),
        ({"endpoint": 42}, "endpoint"),
        ({"backend": 3}, "backend"),
        ({"service_name": "  "}, "service_name"),
        ({"service_version": ""}, "service_version"),
        ({"headers": {"a": 1}}, "headers"),
        ({"headers": 5}, "headers"),
        ({"config_dir": ""}, "config_dir"),
        ({"enabled": 7}, "enabled"),
        ({"verbose": "perhaps"}, "verbose"),
    ],
)
def test_bad_code_values_raise_configuration_error(
    settings: dict[str, object], setting: str
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        TelemetryConfig.resolve({}, **settings)
    assert caught.value.setting == setting
    assert caught.value.source == "code"
    assert "(from code)" in str(caught.value)


def test_unknown_setting_name_lists_the_accepted_names() -> None:
    with pytest.raises(ConfigurationError, match="service_name") as caught:
        TelemetryConfig.resolve({}, servcie_name="typo")
    assert caught.value.value == "servcie_name"


def test_every_setting_has_a_field_and_every_field_a_setting() -> None:
    names = {f.name for f in dataclasses.fields(TelemetryConfig)} - {"sources"}
    assert names == set(config_module._SPECS)


def test_every_default_is_what_parsing_it_gives() -> None:
    """Defaults are not parsed at construction (a consent-off start stays short), so each must
    already be valid and in its parsed form."""
    for name, spec in config_module._SPECS.items():
        default = config_module._DEFAULTS[name]
        if default is not None:
            parsed = spec.parse(default, name, None)
            assert parsed == default, name
            assert type(parsed) is type(default), name


def test_configuration_doc_lists_every_setting_and_variable() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name, spec in config_module._SPECS.items():
        assert f"`{name}`" in text, f"docs/CONFIGURATION.md does not document {name}"
        for variable in spec.env:
            assert f"`{variable}`" in text, f"docs/CONFIGURATION.md does not mention {variable}"


@pytest.mark.parametrize(
    ("raw", "size"),
    [
        ("1048576", 1048576),
        ("500MB", 500 * 10**6),
        ("2GiB", 2 * 2**30),
        ("64k", 64_000),
        ("1.5 MiB", int(1.5 * 2**20)),
        ("10b", 10),
    ],
)
def test_spool_budget_accepts_sizes_with_units(raw: str, size: int) -> None:
    config = TelemetryConfig.resolve({"AUTOMAGIK_TELEMETRY_SPOOL_MAX_BYTES": raw})
    assert config.spool_max_bytes == size


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"AUTOMAGIK_TELEMETRY_SPOOL_MAX_BYTES": "lots"}, "spool_max_bytes"),
        ({"AUTOMAGIK_TELEMETRY_SPOOL_MAX_BYTES": "0MB"}, "spool_max_bytes"),
        ({"AUTOMAGIK_TELEMETRY_QUEUE_SIZE": "0"}, "queue_size"),
        ({"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "many"}, "batch_size"),
        ({"AUTOMAGIK_TELEMETRY_SPOOL_MAX_AGE": "forever"}, "spool_max_age"),
    ],
)
def test_bad_reliability_settings_are_refused(env: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        TelemetryConfig.resolve(env)
    assert caught.value.setting == setting


def test_reliability_settings_from_the_standard_variables_and_code() -> None:
    env = {
        "OTEL_BSP_MAX_QUEUE_SIZE": "4096",
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "256",
        "OTEL_BSP_SCHEDULE_DELAY": "200",
        "AUTOMAGIK_TELEMETRY_SPOOL_MAX_AGE": "2d",
        "AUTOMAGIK_TELEMETRY_SPOOL": "false",
    }
    config = TelemetryConfig.resolve(env)
    assert (config.queue_size, config.batch_size, config.schedule_delay) == (4096, 256, 0.2)
    assert (config.spool_max_age, config.spool) == (2 * 86400.0, False)
    assert TelemetryConfig(spool_max_bytes=1000, queue_size=10).spool_max_bytes == 1000
    with pytest.raises(ConfigurationError):
        TelemetryConfig(queue_size=True)
