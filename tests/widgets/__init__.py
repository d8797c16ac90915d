"""Widget tests: each widget in a tiny harness app driven with Pilot."""
