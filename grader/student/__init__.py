"""The student's side: the bundle ``release`` writes (template, public tests, recorded reference answers, README,
CI workflow), ``grader check`` and what it prints, and the CI annotations and job summary."""
