"""normbot norms package."""
