// Sampling module: see DESIGN.md.
