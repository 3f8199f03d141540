"""What a caption of the scenes data set says, read off its words (provided, notebook 9).

The scenes' captions come from a small grammar, so a caption can be turned back into what it claims:
the colour and shape of each object, and how they stand (or, for one object, where it is). Wording
does not matter here: "a big red circle is left of a square" and "there is a square to the right of a
red circle" say the same thing. Sizes are left out, because a reference may leave them out too.
"""

COLOURS = ("red", "green", "blue", "yellow", "purple")
SHAPES = ("circle", "square", "triangle")
RELATIONS = {
    "to the left of": "left",
    "left of": "left",
    "to the right of": "right",
    "right of": "right",
    "above": "above",
    "over": "above",
    "below": "below",
    "under": "below",
}
POSITIONS = {"on the left": "left", "on the right": "right", "at the top": "above", "at the bottom": "below"}
INVERSE = {"left": "right", "right": "left", "above": "below", "below": "above"}
WORD_KINDS = {
    "colour": set(COLOURS),
    "shape": set(SHAPES),
    "relation": {"left", "right", "above", "over", "below", "under", "top", "bottom"},
}


def scene_meaning(caption):
    """The scene a caption describes, or None if it does not follow the grammar.

    Input: a caption as a string or a list of words.
    Returns ((colour, shape), position) for one object, e.g. (("red", "circle"), "left"), or
    ((colour, shape), relation, (colour, shape)) for two, always said with "left" or "above" (a caption
    that says "right of" or "below" is turned around), e.g. (("red", "circle"), "left", ("blue", "square")).
    """
    text = " " + (caption if isinstance(caption, str) else " ".join(caption)) + " "
    objects = []
    for word in text.split():
        if word in COLOURS:
            objects.append([word, None])
        elif word in SHAPES and objects and objects[-1][1] is None:
            objects[-1][1] = word
    objects = [tuple(o) for o in objects if o[1] is not None]
    if len(objects) == 1:
        where = [p for phrase, p in POSITIONS.items() if f" {phrase} " in text]
        return (objects[0], where[0]) if len(where) == 1 else None
    if len(objects) == 2:
        # the longest phrase first, so that "to the left of" is not also read as "left of"
        for phrase in sorted(RELATIONS, key=len, reverse=True):
            if f" {phrase} " in text:
                relation = RELATIONS[phrase]
                first, second = objects
                if relation in ("right", "below"):
                    first, second, relation = second, first, INVERSE[relation]
                return (first, relation, second)
    return None
