"""One-off tuning and dataset tools, each run by hand as `python tools/NAME.py`.

`calibrate_gate` fits the scope gate (`bot/policy/*.json`); `build` writes `data/eval/qa.jsonl`;
`grounding_set` and `grounding` are the grounder's own test set and study; `answerability` scores a
model's yes/no reading of a passage. They sit above the bot, beside the regression test (`eval/`) and
the benchmark (`bench/`), and import neither.
"""
