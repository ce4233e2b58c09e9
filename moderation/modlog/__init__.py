"""The mod log: decisions and their automatic consequences, posted once to the community's log chat."""
