"""The consent matrix: every rule alone, and the combinations where precedence matters."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from automagik_telemetry import ConsentLevel, TelemetryConfig, decide_consent
from automagik_telemetry.consent import ConsentStore


def decide(env: dict[str, str] | None = None, **settings: object) -> tuple[bool, str, str]:
    env = env or {}
    config = TelemetryConfig.resolve(env, **settings)
    decision = decide_consent(config, env)
    return decision.enabled, decision.level.value, decision.rule


def opt_in(level: ConsentLevel = ConsentLevel.ALL) -> None:
    ConsentStore().write_preference(level, via="test")


# -- each rule alone ------------------------------------------------------------------------


def test_nothing_set_means_off_and_says_how_to_opt_in() -> None:
    decision = decide_consent(TelemetryConfig.resolve({}), {})
    assert not decision.enabled
    assert decision.rule == "no_consent"
    assert "automagik-telemetry opt-in" in decision.reason


@pytest.mark.parametrize("value", ["1", "true", "yes", "anything"])
def test_do_not_track_turns_it_off(value: str) -> None:
    assert decide({"DO_NOT_TRACK": value}) == (False, "off", "do_not_track")


@pytest.mark.parametrize("value", ["0", "false", "", "no"])
def test_do_not_track_with_a_false_value_is_ignored(value: str) -> None:
    opt_in()
    assert decide({"DO_NOT_TRACK": value}) == (True, "all", "stored_on")


def test_otel_sdk_disabled_turns_it_off() -> None:
    assert decide({"OTEL_SDK_DISABLED": "TRUE"}) == (False, "off", "otel_sdk_disabled")
    opt_in()
    assert decide({"OTEL_SDK_DISABLED": "false"})[0] is True


def test_opt_out_file_turns_it_off(isolated_user: Path) -> None:
    (isolated_user / ".automagik-no-telemetry").touch()
    enabled, _, rule = decide()
    assert (enabled, rule) == (False, "opt_out_file")
    reason = decide_consent(TelemetryConfig(), {}).reason
    assert str(isolated_user / ".automagik-no-telemetry") in reason


def test_an_opt_out_file_that_cannot_be_checked_counts_as_an_opt_out(tmp_path: Path) -> None:
    store = ConsentStore(tmp_path / "cfg", home=tmp_path / ("x" * 300))  # ENAMETOOLONG
    decision = decide_consent(TelemetryConfig(enabled=True), {}, store)
    assert (decision.enabled, decision.rule) == (False, "opt_out_file")
    assert "cannot be checked" in decision.reason
    assert store.change_marker()[0] is True


@pytest.mark.parametrize(
    "variable", ["CI", "GITHUB_ACTIONS", "GITLAB_CI", "JENKINS_URL", "TF_BUILD"]
)
def test_ci_turns_it_off_even_after_an_opt_in(variable: str) -> None:
    opt_in()
    env = {variable: "true"}
    assert decide(env) == (False, "off", "ci")
    assert variable in decide_consent(TelemetryConfig(), env).reason


def test_ci_variable_set_to_false_is_not_ci() -> None:
    opt_in()
    assert decide({"CI": "false"}) == (True, "all", "stored_on")


@pytest.mark.parametrize("environment", ["development", "dev", "TEST", "testing"])
def test_development_environments_turn_it_off(environment: str) -> None:
    opt_in()
    assert decide({"ENVIRONMENT": environment}) == (False, "off", "development")
    assert decide({"AUTOMAGIK_ENV": environment}) == (False, "off", "development")
    reason = decide_consent(TelemetryConfig.resolve({"ENVIRONMENT": environment}), {}).reason
    assert f"ENVIRONMENT={environment}" in reason


def test_production_environment_does_not_block() -> None:
    opt_in()
    assert decide({"ENVIRONMENT": "production"}) == (True, "all", "stored_on")


def test_stored_opt_in_turns_it_on_at_the_stored_level() -> None:
    opt_in(ConsentLevel.ERRORS)
    assert decide() == (True, "errors", "stored_on")


def test_reasons_say_when_and_how_the_user_decided(isolated_user: Path) -> None:
    store = ConsentStore()
    store.config_dir.mkdir(parents=True)
    store.preference_path.write_text('{"level": "all"}')
    assert decide_consent(TelemetryConfig(), {}).reason == "you opted in"
    store.preference_path.unlink()
    legacy = isolated_user / ".automagik" / "telemetry_preference"
    legacy.parent.mkdir()
    legacy.write_text("enabled")
    assert (
        decide_consent(TelemetryConfig(), {}).reason
        == "you opted in (via seed SDK preference file)"
    )
    opt_in()
    assert decide_consent(TelemetryConfig(), {}).reason.startswith("you opted in (on 20")


def test_stored_opt_out_turns_it_off() -> None:
    store = ConsentStore()
    store.write_preference(ConsentLevel.OFF, via="test")
    store.opt_out_path.unlink()  # the preference alone must be enough
    assert decide() == (False, "off", "stored_off")


def test_explicit_enable_from_code_or_environment() -> None:
    assert decide(enabled=True) == (True, "all", "explicit_on")
    assert decide(enabled="errors") == (True, "errors", "explicit_on")
    assert decide({"AUTOMAGIK_TELEMETRY_ENABLED": "true"}) == (True, "all", "explicit_on")
    assert decide({"AUTOMAGIK_TELEMETRY_ENABLED": "false"}) == (False, "off", "explicit_off")
    assert decide(enabled=False) == (False, "off", "explicit_off")


# -- combinations ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "refusal",
    [{"DO_NOT_TRACK": "1"}, {"OTEL_SDK_DISABLED": "true"}],
)
def test_user_refusals_beat_a_tool_that_enables_in_code(refusal: dict[str, str]) -> None:
    assert decide(refusal, enabled=True)[0] is False


def test_opt_out_file_beats_code_and_environment(isolated_user: Path) -> None:
    (isolated_user / ".automagik-no-telemetry").touch()
    assert decide({"AUTOMAGIK_TELEMETRY_ENABLED": "all"}, enabled=True)[2] == "opt_out_file"


def test_stored_opt_out_beats_a_tool_that_enables_in_code() -> None:
    store = ConsentStore()
    store.write_preference(ConsentLevel.OFF, via="test")
    store.opt_out_path.unlink()
    assert decide(enabled=True) == (False, "off", "stored_off")


def test_environment_refusal_beats_code_permission_and_vice_versa() -> None:
    assert decide({"AUTOMAGIK_TELEMETRY_ENABLED": "0"}, enabled=True) == (
        False,
        "off",
        "explicit_off",
    )
    assert decide({"AUTOMAGIK_TELEMETRY_ENABLED": "1"}, enabled=False) == (
        False,
        "off",
        "explicit_off",
    )


def test_the_stricter_of_two_explicit_levels_wins() -> None:
    assert decide({"AUTOMAGIK_TELEMETRY_ENABLED": "errors"}, enabled=True)[1] == "errors"
    assert decide({"AUTOMAGIK_TELEMETRY_ENABLED": "all"}, enabled="errors")[1] == "errors"


def test_explicit_permission_is_capped_by_the_users_stored_level() -> None:
    opt_in(ConsentLevel.ERRORS)
    assert decide(enabled=True) == (True, "errors", "explicit_on")


def test_explicit_permission_beats_ci_and_development_detection() -> None:
    env = {"CI": "1", "ENVIRONMENT": "test"}
    assert decide(env, enabled=True) == (True, "all", "explicit_on")


def test_invalid_environment_value_is_ignored_when_code_decides(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert decide({"AUTOMAGIK_TELEMETRY_ENABLED": "maybe"}, enabled=True) == (
        True,
        "all",
        "explicit_on",
    )
    assert "AUTOMAGIK_TELEMETRY_ENABLED" in caplog.text


_RULES = {
    "dnt": ({"DO_NOT_TRACK": "1"}, {}),
    "sdk_disabled": ({"OTEL_SDK_DISABLED": "true"}, {}),
    "env_off": ({"AUTOMAGIK_TELEMETRY_ENABLED": "off"}, {}),
    "code_on": ({}, {"enabled": True}),
    "ci": ({"CI": "true"}, {}),
    "dev": ({"ENVIRONMENT": "dev"}, {}),
}
_EXPECTED_ORDER = ["dnt", "sdk_disabled", "env_off", "code_on", "ci", "dev"]
_RULE_IDS = {
    "dnt": "do_not_track",
    "sdk_disabled": "otel_sdk_disabled",
    "env_off": "explicit_off",
    "code_on": "explicit_on",
    "ci": "ci",
    "dev": "development",
}


@pytest.mark.parametrize(
    "combo",
    [c for n in range(2, 4) for c in itertools.combinations(_EXPECTED_ORDER, n)],
    ids=lambda combo: "+".join(combo),
)
def test_every_combination_follows_the_documented_order(combo: tuple[str, ...]) -> None:
    opt_in()
    env: dict[str, str] = {}
    settings: dict[str, object] = {}
    for name in combo:
        env.update(_RULES[name][0])
        settings.update(_RULES[name][1])
    winner = min(combo, key=_EXPECTED_ORDER.index)
    assert decide(env, **settings)[2] == _RULE_IDS[winner]
