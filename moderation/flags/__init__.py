"""/flag, the moderators' alert (Uphold / Dismiss / Penalise), /resolve and /whyflagged."""
