"""One release's life: the lifecycle state machine, norm checks and review prompts, the cards the core shows, shared
guards, and /release, /normcheck, /status, /queue.
"""
