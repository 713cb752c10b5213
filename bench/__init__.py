"""The benchmark: how fast and how large the bot is as a user meets it (`python -m bench`, `make bench`).

Above the bot and the app, beside the regression test (`eval/`) and the tools (`tools/`); it imports none of them.
"""
