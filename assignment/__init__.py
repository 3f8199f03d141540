"""The course's layers: recurrent cells as forward/backward function pairs, and provided helpers.

`assignment/` is this package with the exercise bodies left for you to write; `rnn_layers.py` holds
the exercises, the other modules are provided.
"""
