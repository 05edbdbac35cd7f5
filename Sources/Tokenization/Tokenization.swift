// Tokenization module: see DESIGN.md.
