"""Records of a grading run and everything that reads them: the gradebook, exports, reports, the terminal."""
