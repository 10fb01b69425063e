"""Shapes that cross a process boundary, defined once.

This package imports none of the project's other folders; all of them may import it.
"""
