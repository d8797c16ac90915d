"""Keymap presets (TOML)."""
