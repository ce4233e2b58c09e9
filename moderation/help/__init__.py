"""/help, per role."""
