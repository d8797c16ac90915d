"""dvpsnap: a terminal UI for DVP snapshots, restores and clones."""
