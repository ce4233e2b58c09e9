"""normbot moderation package."""
