"""/endorse and /unendorse (and the prompt's Endorse button)."""
