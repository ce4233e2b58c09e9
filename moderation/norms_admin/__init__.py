"""The community's norm pack: which pack applies, /norms show|set|history|rollback, and the norm-change dry run."""
