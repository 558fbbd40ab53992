"""The client logic, written once: the pool, the call with its deadline and exchange, and the operations.

The async and blocking clients share this code: the blocking one is
generated from the async one by scripts/unasync.py.
"""
