"""/review: answers to a release's review questions."""
