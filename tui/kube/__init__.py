"""Data layer: cluster access, typed projections, live cache; no UI."""
