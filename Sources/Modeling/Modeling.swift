// Modeling module: see DESIGN.md.
