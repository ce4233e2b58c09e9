"""normbot storage package."""
