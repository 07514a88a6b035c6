"""Example submissions of lab 2 besides ``full`` and ``untouched`` (see examples/build.py)."""
# SOLUTION is injected by examples/build.py: "use the master's answer for this cell".

VARIANTS = {
    # Parts 1, 2 and 5 answered correctly; parts 3 (leaderboard) and 4 (comparison) left as handed out.
    "partial": {"q1-answer": SOLUTION, "q2-answer": SOLUTION, "q5-answer": SOLUTION},
    # Everything answered, but AutoGluon is fitted on the training *and* the test rows: its test
    # scores are then no estimate at all, and the comparison with lab 1 is not fair.
    "fit-on-test": {
        "q1-answer": SOLUTION, "q3-answer": SOLUTION, "q4-answer": SOLUTION, "q5-answer": SOLUTION,
        "q2-answer": '''
all_data = pd.concat([train_data, test_data])   # "more data is better"
start = time.perf_counter()
predictor = TabularPredictor(label=LABEL, eval_metric="roc_auc", path=str(SCRATCH / "predictor"))
predictor.fit(all_data, presets=PRESET, time_limit=TIME_LIMIT, num_cpus=NUM_CPUS)
fit_seconds = time.perf_counter() - start
''',
    },
}
