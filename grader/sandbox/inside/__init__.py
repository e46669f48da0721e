"""Code that runs in the zygote and in the sandboxed cells. It may import only ``grader.sandbox.inside``,
``grader.sandbox.wire`` and ``grader.sandbox.spec`` (and the standard library and torch): never test code,
references, expected values or the gradebook. ``tests/unit/test_layout.py`` enforces it.
"""
