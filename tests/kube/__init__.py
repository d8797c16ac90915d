"""Tests of the pure data layer: projections, kinds, relations, display helpers."""
