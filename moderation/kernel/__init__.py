"""The machinery every feature uses: core events and actions, the command registry, invocations, permissions, forms,
buttons, errors, clock, retry, log redaction. It imports no feature (tests/test_layers.py).
"""
