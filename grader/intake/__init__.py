"""Intake: reading what students send (files, folders, archives, notebooks) and extracting what is graded.

Nothing of the student's runs here: notebooks are parsed, never executed; the extracted source is only
ever run inside a sandboxed cell.
"""
