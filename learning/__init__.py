"""Where learners learn: the module page and My learning."""
