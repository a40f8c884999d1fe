"""Detect environments where telemetry would only be noise: CI systems and development."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CI_VARIABLES", "DEVELOPMENT_ENVIRONMENTS", "detect_ci", "detect_development"]

# Variables that CI systems set on every job. ``CI`` alone covers most (GitHub Actions,
# GitLab, CircleCI, Travis, Buildkite, Bitbucket, Drone, Woodpecker, Azure via TF_BUILD aside).
CI_VARIABLES: tuple[str, ...] = (
    "CI",
    "CONTINUOUS_INTEGRATION",
    "GITHUB_ACTIONS",
    "GITLAB_CI",
    "CIRCLECI",
    "TRAVIS",
    "JENKINS_URL",
    "BUILDKITE",
    "TF_BUILD",
    "BITBUCKET_BUILD_NUMBER",
    "TEAMCITY_VERSION",
    "CODEBUILD_BUILD_ID",
    "DRONE",
    "APPVEYOR",
)
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "dev", "test", "testing"})
_NOT_SET = frozenset({"", "0", "false", "no", "off"})


def detect_ci(environ: Mapping[str, str]) -> str | None:
    """The first CI variable that is set to something other than a false-like value."""
    for name in CI_VARIABLES:
        if environ.get(name, "").strip().lower() not in _NOT_SET:
            return name
    return None


def detect_development(environment: str | None) -> bool:
    return environment is not None and environment.strip().lower() in DEVELOPMENT_ENVIRONMENTS
