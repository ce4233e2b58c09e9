"""`python -m bot` is the `normbot` command."""

from bot.cli import main

main()
