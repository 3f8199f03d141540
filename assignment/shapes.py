"""Argument checks at the entrance of a layer (provided, not an exercise).

A mistake caught here names the argument and what was expected, instead of surfacing later as a
broadcasting error deep inside a formula, or as a silently wrong number. The rules (also in
docs/conventions.md, "What a layer function accepts"):

- every array argument is a NumPy array (a list is refused, not converted);
- values (inputs, states, weights, upstream gradients) are floating point, float64 or float32: an
  integer array is refused rather than rounded somewhere inside;
- word indices are integers in range(V); a negative index is refused (NumPy would read it from the end);
- a mask holds True/False, or 1/0;
- no axis is empty: N, T, D, H and V are at least 1.
"""

import re

import numpy as np

_SYMBOL = re.compile(r"^(\d*)([A-Za-z]\w*)$")


def _expected(symbols):
    return "(" + ", ".join(symbols) + ("," if len(symbols) == 1 else "") + ")"


def expect_shapes(function, **named):
    """Check arrays against symbolic shapes, consistently across arguments.

    Call as ``expect_shapes("lstm_forward", x=(x, "N T D"), h0=(h0, "N H"), Wx=(Wx, "D 4H"))``: every
    argument must be a NumPy array with one axis per symbol, a symbol means the same size everywhere,
    and "4H" means four times H. Values are floating point unless the entry says otherwise:
    ``x=(x, "N T", "int")`` for word indices, ``"any"`` for no rule on the values. Raises TypeError
    (not an array, wrong kind of values) or ValueError (wrong shape, an empty axis) naming the
    function, the argument, what was expected and what was given.

    Returns a dict of the sizes found, e.g. {"N": 2, "T": 5, "D": 3, "H": 4}.
    """
    sizes, source = {}, {}
    for name, (array, dims, *kind) in named.items():
        kind = kind[0] if kind else "float"
        symbols = dims.split()
        expected = _expected(symbols)
        if not isinstance(array, np.ndarray):
            raise TypeError(
                f"{function}: {name} should be a NumPy array of shape {expected}, got {type(array).__name__}"
            )
        if kind == "float" and not np.issubdtype(array.dtype, np.floating):
            raise TypeError(
                f"{function}: {name} should hold floating-point values (float64 or float32), got dtype "
                f"{array.dtype}; convert it with {name}.astype(np.float64)"
            )
        if kind == "int" and not np.issubdtype(array.dtype, np.integer):
            raise TypeError(f"{function}: {name} should hold integer indices, got dtype {array.dtype}")
        shape = array.shape
        if len(shape) != len(symbols):
            axes = "axis" if len(symbols) == 1 else "axes"
            raise ValueError(
                f"{function}: {name} should have {len(symbols)} {axes} {expected}, got shape {shape}"
            )
        for symbol, size in zip(symbols, shape, strict=True):
            factor, base = _SYMBOL.match(symbol).groups()
            factor = int(factor or 1)
            if size == 0:
                raise ValueError(
                    f"{function}: {name} has shape {shape}: {symbol} should be at least 1, got 0"
                )
            if base not in sizes:
                if size % factor:
                    raise ValueError(
                        f"{function}: {name} should have shape {expected}, got shape {shape} "
                        f"({size} is not a multiple of {factor})"
                    )
                sizes[base], source[base] = size // factor, name
            elif sizes[base] * factor != size:
                raise ValueError(
                    f"{function}: {name} should have shape {expected} with {base} = {sizes[base]} "
                    f"(as in {source[base]}), got shape {shape}"
                )
    return sizes


def expect_indices(function, name, indices, size, size_name):
    """Check that integer indices lie in range(size): a negative one would silently count from the end.

    Raises ValueError naming the function, the argument, the first bad value and where it is.
    """
    bad = (indices < 0) | (indices >= size)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{function}: {name} should hold indices in range({size_name}) = 0..{size - 1}, "
            f"got {indices[where]} at {name}[{', '.join(map(str, where))}]"
        )


def expect_mask(function, name, mask):
    """Check that a mask holds only True/False (or 1/0): a 2 would count a step twice, 0.5 half.

    Returns the mask as a boolean array.
    """
    if mask.dtype != bool and not np.isin(mask, (0, 1)).all():
        odd = ", ".join(map(str, np.unique(mask[~np.isin(mask, (0, 1))])[:3]))
        raise ValueError(f"{function}: {name} should hold only True/False (or 1/0), got the values {odd}")
    return mask.astype(bool, copy=False)
