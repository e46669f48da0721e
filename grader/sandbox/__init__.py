"""The trust boundary. ``spec`` (what a cell asks for) and ``wire`` (the data-only channel) are read by both
ends; ``client`` is the trusted parent's end; ``inside/`` runs in the zygote and the cells and imports
nothing but ``inside/``, ``wire`` and ``spec`` (a test enforces it). This file imports nothing, so that
importing ``grader.sandbox.inside`` loads no trusted code.
"""
