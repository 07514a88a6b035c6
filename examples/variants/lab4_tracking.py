"""Example submissions of lab 4 besides ``full`` and ``untouched`` (see examples/build.py)."""
# SOLUTION is injected by examples/build.py: "use the master's answer for this cell".

VARIANTS = {
    # Parts 1-3 answered correctly (offline mode, cross-validation, one tracked run);
    # the search, the read-back and the final part left as handed out.
    "partial": {"q1-answer": SOLUTION, "q2-answer": SOLUTION, "q3-answer": SOLUTION},
    # Everything answered, but W&B is left in its default, online mode: the student copied the
    # quickstart and never set WANDB_MODE. Without an API key (and without network) every
    # wandb.init fails at once with "No API key configured"; only the part without W&B passes.
    "online-mode": {
        "q1-answer": '''
DATA_SHA256 = labdata.manifest()["credit_data"]["sha256"]
GIT_COMMIT = git_commit()
RUN_META = {"seed": SEED, "n_splits": N_SPLITS, "data_sha256": DATA_SHA256, "git_commit": GIT_COMMIT}
RUN_TAGS = [f"seed-{SEED}", f"data-{DATA_SHA256[:12]}"]
if GIT_COMMIT:
    RUN_TAGS.append(f"git-{GIT_COMMIT[:12]}")
print(RUN_TAGS)
''',
        "q2-answer": SOLUTION, "q3-answer": SOLUTION, "q4-answer": SOLUTION, "q5-answer": SOLUTION,
        "q6-answer": SOLUTION,
    },
}
