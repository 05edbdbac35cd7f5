// Training module: see DESIGN.md.
