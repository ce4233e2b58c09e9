"""/appeal (a creator asks moderators to look again), /grant and /deny (and the Grant / Deny buttons)."""
