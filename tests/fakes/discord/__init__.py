"""A fake Discord (REST + gateway) on 127.0.0.1 for end-to-end tests of the real discord.py client.
See README.md in this folder."""
