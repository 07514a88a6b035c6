"""Visible tests fail with a message that says what is wrong and what to look at (issue #7).

Static: every ``assert`` in the visible part of a test cell (above ``### BEGIN HIDDEN TESTS``) has a
message, and so has every ``raise AssertionError``.

Dynamic, without kernels: one subprocess per lab runs the lab's parameters (``FAST = True``), its setup
cell and the given cells named in CONTEXT, then runs the visible code of every test cell
- after GOOD, a cheap answer that must pass (so a failure below comes from the wrong answer, not from
  the harness);
- with nothing answered, and after the handed-out stubs: it must say which name is not defined (or let
  the stub's NotImplementedError through), never a NameError;
- after each deliberately wrong answer in WRONG (GOOD with one thing changed): it must raise an
  AssertionError whose message names what is wrong (``mentions``: the variable, and what was expected
  and found), fits the 300 characters the grader's feedback shows, and is not withheld for quoting
  hidden test code.
Together the answers must make every assert of the visible code fail at least once, so a new visible
assert needs a wrong answer here too.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.layout import lab_names, master_path, released_path  # noqa: E402
from grader.nbsteps import HIDDEN_BEGIN  # noqa: E402

LABS = lab_names()
VISIBLE_FILE = "<visible test>"
FEEDBACK_LIMIT = 300  # the grader shortens a message to this many characters (grader/scoring.py)

# Given cells (besides parameters and setup) that the visible tests or the answers below need.
CONTEXT = {
    "lab1-cv-svm-rf": [],
    "lab2-autogluon": ["lab1"],
    "lab3-optuna": ["lab1", "q1-space", "q3-grid"],
    "lab4-tracking": [],
    "lab5-lora-bert": ["q5-data"],
}

# Helpers for the answers, run once after the context.
PRELUDE = {
    "lab2-autogluon": '''
class _FittedPredictor(TabularPredictor):
    is_fit = True  # stands in for a fitted predictor: the visible test reads only type, label and metric
''',
    "lab3-optuna": '''
def _study(direction="maximize", sampler=None, n=N_TRIALS, **kwargs):
    study = optuna.create_study(direction=direction, sampler=sampler or optuna.samplers.TPESampler(seed=0), **kwargs)
    study.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=n)
    return study
''',
    "lab4-tracking": '''
import tempfile


def _scratch():
    return Path(tempfile.mkdtemp(dir=Path.cwd()))
''',
    "lab5-lora-bert": '''
import tempfile


def _scratch():
    return Path(tempfile.mkdtemp(dir=Path.cwd()))


def _tiny_bert():
    # stands in for load_base_model(): the same classes, hidden size 8, nothing to load
    config = transformers.BertConfig(vocab_size=50, hidden_size=8, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=16, max_position_embeddings=32, num_labels=2)
    return transformers.BertForSequenceClassification(config)


def _tiny_lora():
    return get_peft_model(_tiny_bert(), LoraConfig(task_type=TaskType.SEQ_CLS, r=LORA_R, lora_alpha=LORA_ALPHA,
                                                   target_modules=["query", "value"]))
''',
}

# A cheap answer per test cell that passes its visible test.
GOOD = {
    "lab1-cv-svm-rf": {
        "test-baseline": '''
cv = StratifiedKFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)
baseline = DummyClassifier(strategy="most_frequent")
baseline_cv = {f"test_{m}": np.full(N_SPLITS, 0.5) for m in SCORING}
''',
        "test-preprocess": '''
def make_preprocessor():
    numeric = make_pipeline(SimpleImputer(strategy="median"), StandardScaler())
    categorical = make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore"))
    return ColumnTransformer([("num", numeric, NUMERIC), ("cat", categorical, CATEGORICAL)])
''',
        "test-pipelines": '''
svm_pipe = Pipeline([("prep", ColumnTransformer([("num", StandardScaler(), NUMERIC)])), ("clf", SVC())])
rf_pipe = Pipeline([("prep", ColumnTransformer([("num", StandardScaler(), NUMERIC)])),
                    ("clf", RandomForestClassifier())])
''',
        "test-cv": '''
cv_results = {n: {f"test_{m}": np.full(N_SPLITS, 0.7) for m in SCORING} for n in ["baseline", "svm", "rf"]}
fold_scores = pd.DataFrame([{"model": n, "fold": f, "metric": m, "score": 0.7}
                            for n in cv_results for m in SCORING for f in range(N_SPLITS)])
''',
        "test-leakage": '''
leaky_scores = np.full(5, 0.9)
honest_pipe = make_pipeline(SelectKBest(f_classif, k=20), LogisticRegression(max_iter=1000))
honest_scores = np.full(5, 0.5)
''',
        "test-final": '''
best_name = "rf"
final_model = None
test_scores = {m: 0.8 for m in SCORING}
''',
    },
    "lab2-autogluon": {
        "test-data": '''
train_data = X_train.assign(**{LABEL: y_train})
test_data = X_test.assign(**{LABEL: y_test})
''',
        "test-fit": '''
predictor = _FittedPredictor(label=LABEL, eval_metric="roc_auc", path=str(SCRATCH / "good"))
fit_seconds = 34.8
''',
        "test-leaderboard": '''
leaderboard = pd.DataFrame({"model": ["LightGBM"], "score_test": [0.86], "score_val": [0.85],
                            "pred_time_test": [0.03], "fit_time": [1.0], "stack_level": [1], "model_type": ["LGBModel"]})
''',
        "test-comparison": '''
comparison = pd.DataFrame({**manual_rows, "autogluon": {c: 1.0 for c in COLUMNS}}).T[COLUMNS]
''',
        "test-importance": '''
importance = pd.DataFrame({"importance": np.linspace(1, 0, X_train.shape[1]), "stddev": 0.0}, index=X_train.columns)
top3 = importance.index[:3].tolist()
''',
    },
    "lab3-optuna": {
        "test-objective": '''
def suggest_params(trial):
    return {"n_estimators": trial.suggest_int("n_estimators", *SPACE["n_estimators"]),
            "max_depth": trial.suggest_int("max_depth", *SPACE["max_depth"]),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", *SPACE["min_samples_leaf"], log=True),
            "max_features": trial.suggest_float("max_features", *SPACE["max_features"], log=True),
            "criterion": trial.suggest_categorical("criterion", SPACE["criterion"])}


def objective(trial):
    suggest_params(trial)
    return 0.8
''',
        "test-study": '''
def make_study(seed):
    return optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))


study = _study()
''',
        "test-samplers": '''
grid_study = _study(sampler=optuna.samplers.GridSampler({"x": list(np.linspace(0, 1, 20))}, seed=SEED))
random_study = _study(sampler=optuna.samplers.RandomSampler(seed=SEED))
best_so_far = pd.DataFrame({name: pd.Series([t.value for t in s.trials]).cummax()
                            for name, s in [("grid", grid_study), ("random", random_study), ("tpe", random_study)]})
''',
        "test-pruning": '''
def objective_pruned(trial):
    x = trial.suggest_float("x", 0, 1)
    for step in range(N_SPLITS):
        trial.report(x, step)
        if trial.should_prune():
            raise optuna.TrialPruned()
    return x


study_pruned = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=SEED),
                                   pruner=optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP))
study_pruned.optimize(objective_pruned, n_trials=N_TRIALS)
''',
        "test-plots": '''
ax_history = plt.figure().add_subplot()
ax_importance = plt.figure().add_subplot()
''',
        "test-final": '''
tuned_model = make_rf_pipeline(n_estimators=5, max_depth=3).fit(X_train.head(200), y_train.head(200))
tuned_test_auc = 0.85
''',
    },
    "lab4-tracking": {
        "test-offline": '''
os.environ["WANDB_MODE"] = "offline"
DATA_SHA256 = "0123456789ab" * 5 + "cdef"
GIT_COMMIT = None
RUN_META = {"seed": SEED, "n_splits": N_SPLITS, "data_sha256": DATA_SHA256, "git_commit": GIT_COMMIT}
RUN_TAGS = [f"seed-{SEED}", f"data-{DATA_SHA256[:12]}"]
''',
        "test-cv": '''
cv = StratifiedKFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)


def cross_validate_model(config):
    pass


fold_metrics = pd.DataFrame({"fold": range(N_SPLITS), "accuracy": 0.7, "roc_auc": 0.8, "f1": 0.5})
oof_proba = np.full(len(X_train), 0.3)
''',
        "test-tracked-run": '''
RUN_META = {"seed": SEED, "n_splits": N_SPLITS, "data_sha256": "0" * 64, "git_commit": None}
_run_dir = _scratch() / "offline-run-20260101_000000-abcd1234"
_run_dir.mkdir()
(_run_dir / "run-abcd1234.wandb").touch()


def tracked_run(config, name, group, quiet=False):
    pass


first_run = {"run_id": "abcd1234", "run_dir": _run_dir, "cv_roc_auc": 0.8}
_on_disk = {"state": "finished", "config": {**RUN_META, **DEFAULT_CONFIG}, "summary": {"cv_roc_auc": 0.8}}


def read_offline_run(run_dir):  # stands in for W&B's reader: the visible test reads only these keys
    return _on_disk
''',
        "test-study": '''
def objective(trial):
    trial.set_user_attr("run_id", f"run{trial.number}")
    return trial.suggest_float("x", 0, 1)


study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=SEED))
study.optimize(objective, n_trials=N_TRIALS)
''',
        "test-runs": '''
runs = pd.DataFrame({"run_id": [f"r{i}" for i in range(N_TRIALS)], "name": "trial", "run_dir": "wandb/x",
                     "lr": 1e-3, "dropout": 0.0, "hidden": 32, "cv_roc_auc": np.linspace(0.7, 0.8, N_TRIALS)})


def find_runs(runs, lr, dropout):
    return runs


best_run = runs.iloc[-1]
''',
        "test-final": '''
best_model = make_model(DEFAULT_CONFIG)
best_model[-1].net_ = None  # stands in for the fitted network: the visible test only checks that there is one
test_roc_auc = 0.8
SYNC_COMMAND = "wandb sync wandb/offline-run-*"
''',
    },
    "lab5-lora-bert": {
        "test-baseline": '''
baseline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), MultinomialNB()).fit(train_df["text"], train_df["label"])
baseline_val_acc, baseline_test_acc = 0.7, 0.7
''',
        "test-feature-extraction": '''
def count_trainable(model):
    return (sum(p.numel() for p in model.parameters() if p.requires_grad), sum(p.numel() for p in model.parameters()))


fe_model = _tiny_bert()
for _p in fe_model.base_model.parameters():
    _p.requires_grad = False
fe_trainable, fe_total = count_trainable(fe_model)
''',
        "test-lora-config": '''
lora_config = LoraConfig(task_type=TaskType.SEQ_CLS, r=LORA_R, lora_alpha=LORA_ALPHA, lora_dropout=LORA_DROPOUT,
                         target_modules=["query", "value"])
lora_model = get_peft_model(_tiny_bert(), lora_config)
lora_trainable, lora_total, lora_matrix_params = 10, 10000, 8
lora_fraction = lora_trainable / lora_total
reduction = 100.0
''',
        "test-training": '''
CHECKPOINT_DIR = _scratch()
(CHECKPOINT_DIR / "adapter_model.safetensors").touch()


def train_lora(model, epochs, patience, checkpoint_dir):
    pass


history = pd.DataFrame({"epoch": [1, 2], "train_loss": [0.7, 0.6], "val_loss": [0.69, 0.65], "val_accuracy": [0.5, 0.6]})
''',
        "test-reload": '''
ADAPTER_DIR = _scratch()
(ADAPTER_DIR / "adapter_config.json").touch()
(ADAPTER_DIR / "adapter_model.safetensors").touch()
lora_model, reloaded = _tiny_lora(), _tiny_lora()
logits_trained = np.zeros((len(check_texts), 2))
logits_reloaded = logits_trained.copy()
adapter_mb = 0.3
''',
        "test-merge": '''
merged = _tiny_bert()
merged_mb = 87.0
test_logits = np.zeros((len(test_df), 2))
lora_test_acc = 0.75
''',
    },
}

# Deliberately wrong answers: (what, code run after GOOD, strings the message must contain).
WRONG = {
    "lab1-cv-svm-rf": {
        "test-baseline": [
            ("plain KFold", "cv = KFold(n_splits=N_SPLITS, shuffle=True, random_state=SEED)",
             ["cv", "StratifiedKFold", "got KFold"]),
            ("three folds", "cv = StratifiedKFold(n_splits=3)", ["cv", "N_SPLITS=5", "it has 3"]),
            ("a real model as baseline", "baseline = LogisticRegression()",
             ["baseline", "DummyClassifier", "got LogisticRegression"]),
            ("cross_val_score's array", "baseline_cv = np.full(N_SPLITS, 0.5)", ["baseline_cv", "dict", "got ndarray"]),
            ("one metric only", "baseline_cv = {'test_score': np.zeros(N_SPLITS)}",
             ["baseline_cv", "test_accuracy", "scoring=SCORING"]),
        ],
        "test-preprocess": [
            ("the lecture's Pipeline",
             "def make_preprocessor():\n"
             "    return Pipeline([('imputer', SimpleImputer(strategy='mean')), ('scaler', StandardScaler())])",
             ["make_preprocessor()", "ColumnTransformer", "got Pipeline"]),
            ("fitted", "_unfitted = make_preprocessor\n\n\ndef make_preprocessor():\n    return _unfitted().fit(X_train)",
             ["make_preprocessor()", "fitted"]),
            ("mean imputation of every column",
             "def make_preprocessor():\n"
             "    return ColumnTransformer([('all', SimpleImputer(strategy='mean'), NUMERIC + CATEGORICAL)])",
             ["make_preprocessor()", "ValueError", "Cannot use mean strategy", "NUMERIC"]),
            ("no imputation",
             "def make_preprocessor():\n"
             "    return ColumnTransformer([('num', StandardScaler(), NUMERIC),\n"
             "                              ('cat', OneHotEncoder(handle_unknown='ignore'), CATEGORICAL)])",
             ["make_preprocessor()", "missing values"]),
        ],
        "test-pipelines": [
            ("the classifier alone", "svm_pipe = SVC()", ["svm_pipe", "Pipeline", "got SVC"]),
            ("a scaler first", "rf_pipe = make_pipeline(StandardScaler(), RandomForestClassifier())",
             ["rf_pipe", "first step", "got StandardScaler"]),
            ("models swapped", "svm_pipe, rf_pipe = rf_pipe, svm_pipe",
             ["svm_pipe", "SVC", "got RandomForestClassifier"]),
        ],
        "test-cv": [
            ("a list", "cv_results = list(cv_results.values())", ["cv_results", "dict", "got list"]),
            ("other names", "cv_results = {'SVC': {}, 'RF': {}}", ["cv_results", "'svm'", "'SVC'"]),
            ("mean scores", "cv_results = {name: 0.7 for name in cv_results}",
             ["cv_results['baseline']", "cross_validate", "got float"]),
            ("one metric only", "cv_results['rf'] = {'test_accuracy': np.zeros(N_SPLITS)}",
             ["cv_results['rf']['test_roc_auc']", "it holds 0", "scoring=SCORING"]),
            ("a dict", "fold_scores = {}", ["fold_scores", "DataFrame", "got dict"]),
            ("a wide table",
             "fold_scores = fold_scores.pivot_table(index=['model', 'fold'], columns='metric', values='score').reset_index()",
             ["fold_scores", "lacks the columns", "'metric'"]),
            ("one model", "fold_scores = fold_scores[fold_scores.model == 'rf']", ["fold_scores", "45 rows", "it has 15"]),
        ],
        "test-leakage": [
            ("the mean", "leaky_scores = 0.9", ["leaky_scores", "5 numbers", "size 1"]),
            ("cross_validate's dict", "honest_scores = {'test_score': np.zeros(5)}", ["honest_scores", "got a dict"]),
            ("a list of steps", "honest_pipe = [SelectKBest(f_classif, k=20), LogisticRegression()]",
             ["honest_pipe", "Pipeline", "got list"]),
        ],
        "test-final": [
            ("the pipeline, not its name", "best_name = Pipeline([('clf', SVC())])", ["best_name", "'svm' or 'rf'", "Pipeline("]),
            ("a list", "test_scores = [0.8, 0.8, 0.8]", ["test_scores", "dict", "got list"]),
            ("no f1", "test_scores = {'accuracy': 0.8, 'roc_auc': 0.8}", ["test_scores", "'f1'"]),
            ("percentages", "test_scores = {m: 80.0 for m in SCORING}",
             ["test_scores['accuracy']", "between 0 and 1", "80.0"]),
            ("fold scores", "test_scores = {m: np.full(5, 0.8) for m in SCORING}", ["test_scores['accuracy']", "one score"]),
        ],
    },
    "lab2-autogluon": {
        "test-data": [
            ("features only", "train_data = X_train", ["train_data", "LABEL='bad'"]),
            ("an array", "test_data = test_data.to_numpy()", ["test_data", "DataFrame", "got ndarray"]),
            ("rows dropped", "train_data = train_data.dropna()", ["train_data", "3563 rows", "it has"]),
            ("one-hot encoded", "train_data = pd.get_dummies(train_data)",
             ["train_data", "extra columns ['Home_", "missing columns ['Home'"]),
        ],
        "test-fit": [
            ("the leaderboard", "predictor = pd.DataFrame()", ["predictor", "TabularPredictor", "got DataFrame"]),
            ("never fitted", "predictor = TabularPredictor(label=LABEL, eval_metric='roc_auc', path=str(SCRATCH / 'unfit'))",
             ["predictor", "not fitted"]),
            ("another target", "predictor = _FittedPredictor(label='Status', eval_metric='roc_auc', path=str(SCRATCH / 'lb'))",
             ["predictor.label", "'bad'", "'Status'"]),
            ("the default metric", "predictor = _FittedPredictor(label=LABEL, eval_metric='accuracy', path=str(SCRATCH / 'm'))",
             ["predictor.eval_metric", "'roc_auc'", "'accuracy'"]),
            ("whole seconds", "fit_seconds = round(34.8)", ["fit_seconds", "float", "got 35"]),
        ],
        "test-leaderboard": [
            ("the method, not its result", "leaderboard = pd.DataFrame.head", ["leaderboard", "DataFrame", "got function"]),
            ("without test_data", "leaderboard = leaderboard.drop(columns=['score_test', 'pred_time_test'])",
             ["leaderboard", "score_test", "test_data"]),
            ("without extra_info", "leaderboard = leaderboard.drop(columns=['model_type'])",
             ["leaderboard", "model_type", "extra_info=True"]),
        ],
        "test-comparison": [
            ("a dict", "comparison = comparison.to_dict()", ["comparison", "DataFrame", "got dict"]),
            ("models as columns", "comparison = comparison.T", ["comparison", "'svm'", ".T"]),
            ("no AutoGluon row", "comparison = comparison.drop(index='autogluon')", ["comparison", "'autogluon'"]),
            ("no disk_mb", "comparison = comparison.drop(columns='disk_mb')", ["comparison", "disk_mb"]),
            ("a gap", "comparison.loc['autogluon', 'predict_s'] = np.nan", ["comparison", "autogluon/predict_s"]),
        ],
        "test-importance": [
            ("a Series", "importance = importance['importance']", ["importance", "DataFrame", "got Series"]),
            ("renamed column", "importance = importance.rename(columns={'importance': 'score'})",
             ["importance", "'importance' column", "'score'"]),
            ("one-hot rows", "importance = importance.rename(index={'Home': 'Home_owner'})",
             ["importance", "Home_owner", "'Home'"]),
            ("an Index", "top3 = importance.index[:3]", ["top3", "list", "Index("]),
            ("five names", "top3 = importance.index[:5].tolist()", ["top3", "three"]),
        ],
    },
    "lab3-optuna": {
        "test-objective": [
            ("a name SPACE lacks",
             "_good = suggest_params\n\n\ndef suggest_params(trial):\n"
             "    return {**_good(trial), 'n_trees': trial.suggest_int('n_trees', 10, 40)}",
             ["suggest_params(trial)", "'n_trees'", "SPACE"]),
            ("a list", "def suggest_params(trial):\n    return [trial.suggest_int('n_estimators', *SPACE['n_estimators'])]",
             ["suggest_params(trial)", "dict", "got [10]"]),
            ("a fixed value", "_good = suggest_params\n\n\ndef suggest_params(trial):\n    return {**_good(trial), 'max_depth': 5}",
             ["suggest_params(trial)", "'max_depth': (8, 5)"]),
            ("the fold scores", "def objective(trial):\n    return np.full(N_SPLITS, 0.8)",
             ["objective(trial)", "float", "got ndarray"]),
            ("an error rate", "def objective(trial):\n    return 0.2", ["objective(trial)", "returned 0.2", "between 0.6 and 1"]),
        ],
        "test-study": [
            ("the best parameters", "study = study.best_params", ["study", "Study", "got dict"]),
            ("minimise", "study = _study(direction='minimize')", ["study", "maximise", "MINIMIZE"]),
            ("random search", "study = _study(sampler=optuna.samplers.RandomSampler(seed=SEED))",
             ["study", "TPESampler", "RandomSampler"]),
            ("optimised twice", "study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=2)",
             ["study", "N_TRIALS=", "it has"]),
        ],
        "test-samplers": [
            ("its best value", "grid_study = 0.85", ["grid_study", "Study", "got float"]),
            ("TPE again", "grid_study = _study()", ["grid_study", "GridSampler", "TPESampler"]),
            ("cut short", "random_study = _study(sampler=optuna.samplers.RandomSampler(seed=SEED), n=3)",
             ["random_study", "it ran 3"]),
            ("a dict", "best_so_far = best_so_far.to_dict('list')", ["best_so_far", "DataFrame", "got dict"]),
            ("another order", "best_so_far = best_so_far[['tpe', 'random', 'grid']]",
             ["best_so_far", "['tpe', 'random', 'grid']"]),
            ("the last row only", "best_so_far = best_so_far.tail(1)", ["best_so_far", "it has 1"]),
        ],
        "test-pruning": [
            ("its best value", "study_pruned = study_pruned.best_value", ["study_pruned", "Study", "got float"]),
            ("fewer trials", "study_pruned = _study(n=4, pruner=optuna.pruners.MedianPruner())", ["study_pruned", "it ran 4"]),
            ("no pruner", "study_pruned = _study(pruner=optuna.pruners.NopPruner())",
             ["study_pruned", "MedianPruner", "NopPruner"]),
            ("never reports", "study_pruned = _study(pruner=optuna.pruners.MedianPruner(n_startup_trials=PRUNER_STARTUP))",
             ["study_pruned", "was pruned", "trial.report"]),
        ],
        "test-plots": [
            ("a plotly figure", "import plotly.graph_objects as _go\nax_history = _go.Figure()",
             ["ax_history", "Axes", "got Figure", "plotly"]),
            ("the figure", "ax_importance = ax_importance.figure", ["ax_importance", "Axes", "got Figure"]),
        ],
        "test-final": [
            ("the forest alone", "tuned_model = tuned_model[-1]", ["tuned_model", "Pipeline", "got RandomForestClassifier"]),
            ("not fitted", "tuned_model = make_rf_pipeline(n_estimators=5)", ["tuned_model", "not fitted"]),
            ("a percentage", "tuned_test_auc = 85.0", ["tuned_test_auc", "between 0 and 1", "85.0"]),
            ("a string", "tuned_test_auc = f'{0.85:.3f}'", ["tuned_test_auc", "float", "'0.850'"]),
        ],
    },
    "lab4-tracking": {
        "test-offline": [
            ("online mode", "del os.environ['WANDB_MODE']", ["WANDB_MODE", "None", "'offline'"]),
            ("disabled", "os.environ['WANDB_MODE'] = 'disabled'", ["WANDB_MODE", "'disabled'"]),
            ("a list", "RUN_META = list(RUN_META.items())", ["RUN_META", "dict", "got list"]),
            ("no commit", "del RUN_META['git_commit']", ["RUN_META", "'git_commit'"]),
            ("one string", "RUN_TAGS = ','.join(RUN_TAGS)", ["RUN_TAGS", "list", "'seed-42,"]),
            ("the whole sha256", "RUN_TAGS = RUN_TAGS + ['data-' + 'a' * 64]", ["RUN_TAGS", "64 characters", "has 69"]),
        ],
        "test-cv": [
            ("plain KFold", "from sklearn.model_selection import KFold\ncv = KFold(n_splits=N_SPLITS)",
             ["cv", "StratifiedKFold", "KFold(n_splits="]),
            ("records", "fold_metrics = fold_metrics.to_dict('records')", ["fold_metrics", "DataFrame", "got list"]),
            ("no fold column", "fold_metrics = fold_metrics.drop(columns='fold')", ["fold_metrics", "'fold'"]),
            ("the mean only", "fold_metrics = fold_metrics.mean().to_frame().T", ["fold_metrics", "it has 1"]),
            ("both columns of predict_proba", "oof_proba = np.column_stack([1 - oof_proba, oof_proba])",
             ["oof_proba", "shape", "(3563, 2)"]),
            ("decision scores", "oof_proba = np.linspace(-2, 2, len(X_train))", ["oof_proba", "probabilities", "from -2"]),
        ],
        "test-tracked-run": [
            ("the run id", "first_run = 'abcd1234'", ["first_run", "dict", "'abcd1234'"]),
            ("no run_dir", "first_run = {'run_id': 'abcd1234', 'cv_roc_auc': 0.8}", ["first_run", "'run_dir'"]),
            ("run_dir None", "first_run['run_dir'] = None", ["first_run['run_dir']", "Path(run.dir).parent", "None"]),
            ("run.dir, the files folder", "(_run_dir / 'files').mkdir()\nfirst_run['run_dir'] = _run_dir / 'files'",
             ["first_run['run_dir']", "run-<id>.wandb", "Path(run.dir).parent"]),
            ("an online run",
             "_online = _run_dir.with_name('run-20260101_000000-abcd1234')\n_online.mkdir()\n"
             "(_online / 'run-abcd1234.wandb').touch()\nfirst_run['run_dir'] = _online",
             ["first_run['run_dir']", "offline", "WANDB_MODE"]),
            ("not finished", "_on_disk['state'] = 'running'", ["first_run", "'running'", "run.finish()"]),
            ("config without RUN_META", "_on_disk['config'] = dict(DEFAULT_CONFIG)", ["first_run", "'data_sha256'", "RUN_META"]),
            ("no summary", "_on_disk['summary'] = {'mean_auc': 0.8}", ["first_run", "cv_roc_auc", "'mean_auc'"]),
        ],
        "test-study": [
            ("the best trial", "study = study.best_trial", ["study", "Study", "got FrozenTrial"]),
            ("minimise", "study = optuna.create_study()\nstudy.optimize(objective, n_trials=N_TRIALS)",
             ["study", "maximise", "MINIMIZE"]),
            ("one trial short", "study = optuna.create_study(direction='maximize')\nstudy.optimize(objective, n_trials=N_TRIALS - 1)",
             ["study", "N_TRIALS=", "it has"]),
            ("no run ids",
             "study = optuna.create_study(direction='maximize')\n"
             "study.optimize(lambda t: t.suggest_float('x', 0, 1), n_trials=N_TRIALS)",
             ["study", "run id", "set_user_attr"]),
        ],
        "test-runs": [
            ("records", "runs = runs.to_dict('records')", ["runs", "DataFrame", "got list"]),
            ("no run_dir", "runs = runs.drop(columns='run_dir')", ["runs", "'run_dir'"]),
            ("a run too many", "runs = pd.concat([runs, runs.head(1)])", ["runs", "STUDY_GROUP", "it has"]),
            ("a one-row DataFrame", "best_run = runs.nlargest(1, 'cv_roc_auc')", ["best_run", "Series", "got a DataFrame"]),
        ],
        "test-final": [
            ("the path", "best_model = 'wandb/offline-run-x/files/model.joblib'", ["best_model", "joblib.load", "got str"]),
            ("a new model", "best_model = make_model(DEFAULT_CONFIG)", ["best_model", "not fitted"]),
            ("per-fold scores", "test_roc_auc = np.full(5, 0.8)", ["test_roc_auc", "one ROC AUC"]),
            ("a list", "SYNC_COMMAND = ['wandb', 'sync', 'wandb/offline-run-*']", ["SYNC_COMMAND", "wandb sync", "['wandb'"]),
        ],
    },
    "lab5-lora-bert": {
        "test-baseline": [
            ("the classifier alone", "baseline = baseline[-1]", ["baseline", "Pipeline", "got MultinomialNB"]),
            ("word counts", "from sklearn.feature_extraction.text import CountVectorizer\n"
                            "baseline = make_pipeline(CountVectorizer(), MultinomialNB())",
             ["baseline", "TfidfVectorizer", "CountVectorizer"]),
            ("not fitted", "baseline = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), MultinomialNB())",
             ["baseline", "not fitted"]),
            ("a percentage", "baseline_test_acc = 71.3", ["baseline_test_acc", "between 0 and 1", "71.3"]),
            ("predictions", "baseline_val_acc = baseline.predict(val_df['text'])", ["baseline_val_acc", "between 0 and 1"]),
        ],
        "test-feature-extraction": [
            ("tensors counted", "def count_trainable(model):\n"
                                "    return (sum(1 for p in model.parameters() if p.requires_grad), len(list(model.parameters())))",
             ["count_trainable(model)", "p.numel()", "(3, 4)"]),
            ("a dict", "def count_trainable(model):\n    return {'trainable': 14, 'total': 26}",
             ["count_trainable(model)", "(trainable, total)", "{'trainable'"]),
            ("the LoRA model", "fe_model = _tiny_lora()", ["fe_model", "load_base_model()", "PeftModelForSequenceClassification"]),
            ("the head frozen instead", "fe_model = _tiny_bert()\nfor _p in fe_model.classifier.parameters():\n"
                                       "    _p.requires_grad = False",
             ["fe_model.base_model", "trainable parameters", "requires_grad = False"]),
            ("everything frozen", "fe_trainable = 0", ["fe_trainable", "fe_model.classifier"]),
        ],
        "test-lora-config": [
            ("a dict", "lora_config = dict(r=LORA_R, lora_alpha=LORA_ALPHA)", ["lora_config", "LoraConfig", "got dict"]),
            ("LLaMA's names (get_peft_model failed)",
             "lora_config = LoraConfig(task_type=TaskType.SEQ_CLS, r=LORA_R, lora_alpha=LORA_ALPHA,\n"
             "                         target_modules=['q_proj', 'v_proj'])\ndel lora_model",
             ["lora_config.target_modules", "['q_proj', 'v_proj']", "LLaMA"]),
            ("get_peft_model failed", "del lora_model", ["lora_model", "not defined"]),
            ("the base model", "lora_model = lora_model.get_base_model()",
             ["lora_model", "get_peft_model", "got BertForSequenceClassification"]),
            ("rank 4", "lora_config.r = 4", ["lora_config", "r=LORA_R", "r=4"]),
            ("a percentage", "lora_fraction = 100 * lora_fraction", ["lora_fraction", "percentage", "got 0.1"]),
        ],
        "test-training": [
            ("records", "history = history.to_dict('records')", ["history", "DataFrame", "got list"]),
            ("no validation accuracy", "history = history.drop(columns='val_accuracy')", ["history", "'val_accuracy'"]),
            ("too many rows", "history = pd.concat([history] * EPOCHS)", ["history", "EPOCHS=3", "it has 6"]),
            ("no checkpoint", "CHECKPOINT_DIR = _scratch()",
             ["CHECKPOINT_DIR", "adapter_model.safetensors", "save_pretrained"]),
            ("torch.save instead", "CHECKPOINT_DIR = _scratch()\n(CHECKPOINT_DIR / 'model.pt').touch()",
             ["CHECKPOINT_DIR", "'model.pt'"]),
        ],
        "test-reload": [
            ("never saved", "ADAPTER_DIR = _scratch()", ["ADAPTER_DIR", "adapter_config.json", "save_pretrained"]),
            ("the same model", "reloaded = lora_model", ["reloaded", "lora_model itself"]),
            ("the base model", "reloaded = reloaded.get_base_model()",
             ["reloaded", "PeftModel.from_pretrained", "got BertForSequenceClassification"]),
            ("one column", "logits_reloaded = logits_reloaded[:, 1]", ["logits_reloaded", "(64, 2)", "(64,)"]),
            ("another head", "logits_reloaded = logits_reloaded + 0.3", ["logits_reloaded", "up to 0.3", "load_base_model()"]),
        ],
        "test-merge": [
            ("the LoRA model", "merged = _tiny_lora()", ["merged", "merge_and_unload()", "got PeftModelForSequenceClassification"]),
            ("get_base_model", "merged = _tiny_lora().get_base_model()", ["merged", "LoRA parameters", "get_base_model()"]),
            ("check_texts only", "test_logits = np.zeros((len(check_texts), 2))", ["test_logits", "(300, 2)", "(64, 2)"]),
            ("a percentage", "lora_test_acc = 75.0", ["lora_test_acc", "between 0 and 1", "75.0"]),
        ],
    },
}


# ---------------------------------------------------------------------------------------------------------
# reading the notebooks

def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def visible_tests(nb) -> dict[str, str]:
    """grade_id -> the visible code of every graded test cell."""
    return {_nbgrader(c)["grade_id"]: c.source.split(HIDDEN_BEGIN)[0] for c in nb.cells
            if c.cell_type == "code" and _nbgrader(c).get("grade") and not _nbgrader(c).get("solution")}


def _checks(code: str) -> list[ast.stmt]:
    """The assert statements and the ``raise AssertionError(...)`` statements of ``code``."""
    found = []
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Assert):
            found.append(node)
        elif isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "AssertionError":
                found.append(node)
    return sorted(found, key=lambda n: n.lineno)


def silent_checks(code: str) -> list[str]:
    """Checks in ``code`` that would fail with a bare AssertionError."""
    bare = []
    for node in _checks(code):
        if isinstance(node, ast.Assert) and node.msg is None:
            bare.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
        elif isinstance(node, ast.Raise) and not (isinstance(node.exc, ast.Call) and node.exc.args):
            bare.append(f"line {node.lineno}: {ast.unparse(node)[:80]}")
    return bare


# ---------------------------------------------------------------------------------------------------------
# the driver: runs in a subprocess (python tests/test_messages.py LAB OUT [MASTER RELEASED])

def _run(code, ns) -> dict:
    try:
        exec(code, ns)
    except Exception as exc:  # noqa: BLE001 - the outcome is what we record
        line, tb = None, exc.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == VISIBLE_FILE:
                line = tb.tb_lineno
            tb = tb.tb_next
        return {"outcome": type(exc).__name__, "message": str(exc), "line": line}
    return {"outcome": "passed", "message": "", "line": None}


def drive(lab: str, master, released) -> dict:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    by_id = {c.get("id"): c for c in master.cells}
    params = next(c for c in master.cells if "parameters" in c.metadata.get("tags", []))
    base = {"__name__": "__main__", "display": lambda *args, **kwargs: None}
    exec(params.source, base)
    base["FAST"] = True  # what papermill injects for the grader
    for cid in ["setup", *CONTEXT[lab]]:
        exec(compile(by_id[cid].source, f"<cell {cid}>", "exec"), base)
    exec(compile(PRELUDE.get(lab, ""), "<prelude>", "exec"), base)

    report = {}
    stubs: list[str] = []
    tests = visible_tests(master)
    for cell in released.cells:
        nbg = _nbgrader(cell)
        if cell.cell_type == "code" and nbg.get("solution"):
            stubs.append(cell.source)
        gid = nbg.get("grade_id")
        if gid not in tests:
            continue
        visible = compile(tests[gid], VISIBLE_FILE, "exec")
        good = GOOD.get(lab, {}).get(gid)
        cases = [("undefined", "nothing answered", None, ["is not defined"])]
        cases.append(("stubs", "the handed-out stubs", "stubs", ["is not defined"]))
        if good is not None:
            cases.append(("good", "a right answer", "", []))
            cases += [("wrong", what, code, mentions) for what, code, mentions in WRONG.get(lab, {}).get(gid, [])]
        results = []
        for kind, what, code, mentions in cases:
            ns = dict(base)
            if code == "stubs":
                for stub in stubs:
                    _run(compile(stub, "<stub>", "exec"), ns)
            elif code is not None:
                setup = _run(compile(good + "\n" + code, "<answer>", "exec"), ns)
                if setup["outcome"] != "passed":
                    results.append({"kind": kind, "what": what, "mentions": mentions, "outcome": "answer failed",
                                    "message": f"{setup['outcome']}: {setup['message']}", "line": None})
                    continue
            results.append({"kind": kind, "what": what, "mentions": mentions, **_run(visible, ns)})
            plt.close("all")
        report[gid] = results
    return report


def run_driver(lab: str, tmp_path: Path, master: Path | None = None, released: Path | None = None) -> dict:
    out = tmp_path / f"{lab}.json"
    env = {**os.environ, "MPLBACKEND": "Agg", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false", "PYTHONWARNINGS": "ignore"}
    env.pop("WANDB_MODE", None)
    cmd = [sys.executable, __file__, lab, str(out), str(master or master_path(lab)), str(released or released_path(lab))]
    proc = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"the driver failed for {lab}:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return json.loads(out.read_text())


# ---------------------------------------------------------------------------------------------------------
# judging the outcomes

def message_problems(message: str, mentions: list[str], secret: str) -> list[str]:
    from grader.scoring import redact

    found = []
    text = " ".join(message.split())
    if not text:
        found.append("the message is empty")
    missing = [m for m in mentions if m not in message]
    if missing:
        found.append(f"the message does not mention {missing}")
    if len(text) > FEEDBACK_LIMIT:
        found.append(f"the message has {len(text)} characters; the feedback shows {FEEDBACK_LIMIT}")
    if secret and redact(message, secret) != message:
        found.append("the grader would withhold the message: it quotes hidden test code")
    return found


def problems(lab: str, master, report: dict) -> list[str]:
    from grader.scoring import hidden_code

    secret = hidden_code(master)
    found = []
    tests = visible_tests(master)
    for gid in sorted(set(WRONG.get(lab, {})) - set(tests)):
        found.append(f"{gid}: WRONG has answers for a test cell the lab does not have")
    for gid, code in tests.items():
        results = report.get(gid, [])
        if gid not in GOOD.get(lab, {}) or not WRONG.get(lab, {}).get(gid):
            found.append(f"{gid}: add a right answer to GOOD and wrong ones to WRONG for this test cell")
        hit = set()
        for r in results:
            where = f"{gid} / {r['what']}: {r['outcome']}: {r['message'][:200]!r}"
            if r["outcome"] == "answer failed":
                found.append(f"{where} (the answer itself raised)")
                continue
            if r["kind"] == "good":
                if r["outcome"] != "passed":
                    found.append(f"{where} (a right answer must pass)")
                continue
            if r["outcome"] == "passed":
                found.append(f"{where} (the visible test passed)")
                continue
            if r["kind"] == "stubs" and r["outcome"] == "NotImplementedError":
                continue  # the stub of a function speaks for itself; the grader reports it as not answered
            if r["outcome"] != "AssertionError":
                found.append(f"{where} (expected an AssertionError with a message)")
                continue
            found += [f"{where} ({p})" for p in message_problems(r["message"], r["mentions"], secret)]
            if r["line"] is not None:
                hit |= {(n.lineno, n.end_lineno) for n in _checks(code) if n.lineno <= r["line"] <= n.end_lineno}
        for node in _checks(code):
            if (node.lineno, node.end_lineno) not in hit:
                found.append(f"{gid}: no answer in WRONG makes this check fail: line {node.lineno}: "
                             f"{code.splitlines()[node.lineno - 1].strip()[:80]}")
    return found


# ---------------------------------------------------------------------------------------------------------
# the tests

@pytest.mark.parametrize("lab", LABS)
def test_every_visible_check_has_a_message(lab):
    master = nbformat.read(master_path(lab), as_version=4)
    bare = {gid: silent_checks(code) for gid, code in visible_tests(master).items()}
    assert not any(bare.values()), f"visible checks without a message in {lab}: {bare}"


def test_silent_checks_are_found():
    code = "assert x == 1\nassert y, 'y should be set'\nif z:\n    raise AssertionError\nraise AssertionError('ok')\n"
    assert [p.split(":")[0] for p in silent_checks(code)] == ["line 1", "line 4"]


@pytest.mark.parametrize("lab", LABS)
def test_visible_tests_explain_wrong_and_missing_answers(lab, tmp_path):
    report = run_driver(lab, tmp_path)
    found = problems(lab, nbformat.read(master_path(lab), as_version=4), report)
    assert not found, f"{len(found)} problem(s) with the visible tests of {lab}:\n" + "\n".join(found)


if __name__ == "__main__":
    _lab, _out, _master, _released = sys.argv[1:5]
    try:
        _report = drive(_lab, nbformat.read(_master, as_version=4), nbformat.read(_released, as_version=4))
    except Exception:
        traceback.print_exc()
        sys.exit(2)
    Path(_out).write_text(json.dumps(_report, indent=1, default=str))
