"""Shape checks at the entrance of a layer (provided, not an exercise).

A shape mistake caught here names the argument and what was expected, instead of surfacing later
as a broadcasting error deep inside a formula.
"""

import numpy as np


def expect_shapes(function, **named):
    """Check arrays against symbolic shapes, consistently across arguments.

    Call as ``expect_shapes("rnn_step_forward", x=(x, "N D"), Wx=(Wx, "D H"))``: every argument
    must be an array with one axis per symbol, and a symbol means the same size everywhere.
    Raises ValueError naming the function, the argument, the expected and the actual shape.
    """
    sizes, source = {}, {}
    for name, (array, dims) in named.items():
        shape = np.shape(array)
        symbols = dims.split()
        expected = "(" + ", ".join(symbols) + ("," if len(symbols) == 1 else "") + ")"
        if len(shape) != len(symbols):
            axes = "axis" if len(symbols) == 1 else "axes"
            raise ValueError(
                f"{function}: {name} should have {len(symbols)} {axes} {expected}, got shape {shape}"
            )
        for symbol, size in zip(symbols, shape, strict=True):
            if symbol not in sizes:
                sizes[symbol], source[symbol] = size, name
            elif sizes[symbol] != size:
                raise ValueError(
                    f"{function}: {name} should have shape {expected} with {symbol} = {sizes[symbol]} "
                    f"(as in {source[symbol]}), got shape {shape}"
                )
    return sizes
