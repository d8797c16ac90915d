"""Fixtures of the tmux-driven tests (tests.e2e.tmuxkit)."""

from tests.e2e.tmuxkit import demo_factory as demo_factory
