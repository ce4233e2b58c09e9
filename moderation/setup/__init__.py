"""Setting a community up from chat: `/setup` (commands.py), the settings and how they override the file
(settings.py), the form every platform renders (form.py), and "add this group" invites (invites.py)."""
