"""The course's layers: recurrent cells as forward/backward function pairs, and provided helpers.

`assignment/` is this package with the exercise bodies left for you to write: `rnn_layers.py` holds 15
of the 19 exercises, `captioning_rnn.py` the captioning model's two (`CaptioningRNN.loss` and
`.sample`), `char_lm.py` the language model's two (`sample_with_temperature`, `truncated_bptt_epoch`).
The other modules are provided.
"""
