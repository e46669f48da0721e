# Harness attack: the graded symbol is not callable. Once, every test became a grader_error and the
# student's own report quoted the hidden tests' source ("Details for the instructor").
build_bpe = 5
