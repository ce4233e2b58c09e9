"""Noticing releases: the watcher (message -> detect -> extract -> register -> check -> prompt), edited and reposted
announcements, and /watch, /unwatch.
"""
