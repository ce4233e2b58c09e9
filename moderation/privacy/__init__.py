"""/export-my-data, /forget-me and the export rows."""
