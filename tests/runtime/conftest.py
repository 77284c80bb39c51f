"""The runtime tests drive the onboarding feature through its own fixtures."""

from tests.onboarding.conftest import make_onboarding_app, ob  # noqa: F401 - fixtures
