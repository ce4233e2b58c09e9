"""`normbot norms ...`: placeholder replaced by the norms work."""
