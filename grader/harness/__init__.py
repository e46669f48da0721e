"""The trusted parent: the pytest session that grades, its fixtures, scoring, and the executors that run it."""
