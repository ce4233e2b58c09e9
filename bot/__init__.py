"""normbot platform adapters, CLI and application wiring."""
