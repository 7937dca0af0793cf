"""The rules of cop-vote: lifecycle, ballot shapes, counting.

This package does no IO and touches no Flask globals: it imports only the
standard library and itself. The clock is never read here; ``now`` is passed in.
A test (``tests/domain/test_imports.py``) holds that line.
"""
