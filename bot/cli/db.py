"""`normbot db ...`: placeholder replaced by the storage work."""
