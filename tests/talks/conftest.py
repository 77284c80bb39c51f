"""The talks tests that need the DM outbox drive it through the onboarding fixtures."""

from tests.onboarding.conftest import make_onboarding_app  # noqa: F401 - a fixture
