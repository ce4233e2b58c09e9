"""Optional enforcement: a removed release's announcements are deleted and its creator told why."""
