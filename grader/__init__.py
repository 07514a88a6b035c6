"""ModelDev Labs grader: release, check and grade lab notebooks on top of nbgrader and papermill."""
import sys

# jsonschema (under nbformat) compiles rfc3987_syntax's IRI grammars on import when that package is
# installed: about 2.5 s per process, for a string format no notebook schema uses. Without it,
# jsonschema leaves that format unchecked (its own optional-import path).
sys.modules.setdefault("rfc3987_syntax", None)
