"""Scrubbing settings in TelemetryConfig: code, environment, validation."""

from __future__ import annotations

import pytest

from automagik_telemetry import ConfigurationError, ScrubbingOptions, TelemetryConfig


def test_defaults_are_the_safe_choice() -> None:
    options = TelemetryConfig().scrubbing_options
    assert options == ScrubbingOptions()
    assert options.mode == "mask"
    assert options.capture_genai_content is False


def test_options_from_code() -> None:
    options = ScrubbingOptions(mode="hash", allow_keys={"enduser.id"})
    config = TelemetryConfig.resolve({}, scrubbing=options)
    assert config.scrubbing_options is options
    assert config.sources["scrubbing"] == "code"


def test_options_as_a_mapping() -> None:
    config = TelemetryConfig(scrubbing={"mode": "hash", "disabled": ["phone"]})  # type: ignore[arg-type]
    assert config.scrubbing == ScrubbingOptions(mode="hash", disabled={"phone"})


def test_environment_sets_mode_and_genai_capture() -> None:
    env = {
        "AUTOMAGIK_TELEMETRY_SCRUBBING_MODE": " Hash ",
        "AUTOMAGIK_TELEMETRY_CAPTURE_GENAI_CONTENT": "yes",
    }
    config = TelemetryConfig.resolve(env, scrubbing=ScrubbingOptions(allow_keys={"a"}))
    options = config.scrubbing_options
    assert options.mode == "hash"
    assert options.capture_genai_content is True
    assert options.allow_keys == frozenset({"a"})  # the rest comes from code
    assert config.sources["scrubbing_mode"] == "env:AUTOMAGIK_TELEMETRY_SCRUBBING_MODE"


def test_code_beats_environment_for_the_flat_settings() -> None:
    env = {"AUTOMAGIK_TELEMETRY_SCRUBBING_MODE": "hash"}
    config = TelemetryConfig.resolve(env, scrubbing_mode="mask", capture_genai_content=False)
    assert config.scrubbing_options.mode == "mask"
    assert config.scrubbing_options.capture_genai_content is False


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"AUTOMAGIK_TELEMETRY_SCRUBBING_MODE": "encrypt"}, "scrubbing_mode"),
        ({"AUTOMAGIK_TELEMETRY_CAPTURE_GENAI_CONTENT": "maybe"}, "capture_genai_content"),
    ],
)
def test_bad_environment_values_name_the_variable(env: dict[str, str], setting: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        TelemetryConfig.resolve(env)
    assert error.value.setting == setting
    assert error.value.source == f"env:{next(iter(env))}"


@pytest.mark.parametrize(
    ("settings", "setting"),
    [
        ({"scrubbing": "mask"}, "scrubbing"),
        ({"scrubbing": {"modes": "hash"}}, "scrubbing"),
        ({"scrubbing": {"mode": "encrypt"}}, "scrubbing.mode"),
        ({"scrubbing_mode": "plain"}, "scrubbing_mode"),
    ],
)
def test_bad_code_values(settings: dict[str, object], setting: str) -> None:
    with pytest.raises(ConfigurationError) as error:
        TelemetryConfig.resolve({}, **settings)
    assert error.value.setting == setting
