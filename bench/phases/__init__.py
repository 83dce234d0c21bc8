"""The bench's steps, in the order bench/run.py runs them: each a module taking a Harness
(bench/harness.py) and returning its figures."""
