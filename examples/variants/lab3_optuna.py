"""Example submissions of lab 3 besides ``full`` and ``untouched`` (see examples/build.py)."""
# SOLUTION is injected by examples/build.py: "use the master's answer for this cell".

VARIANTS = {
    # Parts 1, 2 and 5 answered correctly; parts 3 (samplers), 4 (pruning) and 6 (test score) left as handed out.
    "partial": {"q1-answer": SOLUTION, "q2-answer": SOLUTION, "q5-answer": SOLUTION},
    # Everything answered, but the study keeps Optuna's habit of minimising: it searches for the
    # forest with the *lowest* ROC AUC, and its "best" parameters are the worst ones found.
    "minimize": {
        "q1-answer": SOLUTION, "q3-answer": SOLUTION, "q4-answer": SOLUTION, "q5-answer": SOLUTION,
        "q6-answer": SOLUTION,
        "q2-answer": '''
def make_study(seed):
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=STARTUP_TRIALS)
    return optuna.create_study(direction="minimize", sampler=sampler)


study = make_study(SEED)
study.optimize(objective, n_trials=N_TRIALS, n_jobs=1)
print(f"best mean CV ROC AUC {study.best_value:.4f} (lab 1's default forest: {rf_default_auc:.4f})")
print("best hyperparameters:", study.best_params)
''',
    },
}
