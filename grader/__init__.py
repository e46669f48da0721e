"""grader: an autograding harness for deep-learning course assignments.

The public face is the command line (:mod:`grader.cli`) and, for test authors, :mod:`grader.testing`.
Everything else is private plumbing: notebook reading, extraction, the sandbox, the pytest plugin,
the gradebook, exports and reports (see DESIGN.md for how they fit together).
"""
__version__ = "0.1.0"
