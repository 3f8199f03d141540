"""The solved course package: a drop-in replacement for ``assignment/``.

Exercise bodies sit between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; ``make stubs``
turns each into a TODO that raises NotImplementedError in ``assignment/``.
"""
