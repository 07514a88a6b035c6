"""Example submissions of lab 1 besides ``full`` and ``untouched`` (see examples/build.py)."""
# SOLUTION is injected by examples/build.py: "use the master's answer for this cell".

FOLD_SCORES = '''
fold_scores = pd.DataFrame([
    {"model": name, "fold": fold, "metric": metric, "score": float(result[f"test_{metric}"][fold])}
    for name, result in cv_results.items() for metric in SCORING for fold in range(N_SPLITS)
])
'''

VARIANTS = {
    # Parts 1, 2, 3 and 5 answered correctly; parts 4 and 6 left as handed out.
    "partial": {"q1-answer": SOLUTION, "q2-answer": SOLUTION, "q3-answer": SOLUTION, "q5-answer": SOLUTION},
    # Everything answered, but the preprocessing is fitted on all training rows before CV:
    # the scaler and imputer see the validation folds (the leak pipelines exist to prevent).
    "scaler-before-cv": {
        "q1-answer": SOLUTION, "q2-answer": SOLUTION, "q3-answer": SOLUTION, "q5-answer": SOLUTION,
        "q6-answer": SOLUTION,
        "q4-answer": '''
prep = make_preprocessor().fit(X_train)   # fitted once, on every training row
X_train_prep = prep.transform(X_train)
models = {"baseline": baseline, "svm": SVC(),
          "rf": RandomForestClassifier(n_estimators=RF_TREES, random_state=SEED)}
cv_results = {name: cross_validate(model, X_train_prep, y_train, cv=cv, scoring=SCORING)
              for name, model in models.items()}
''' + FOLD_SCORES,
    },
}
