"""ModelDev Labs grader: release, check and grade lab notebooks on top of nbgrader and papermill."""
