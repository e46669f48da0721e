"""For assignment authors: ``grader new`` (:mod:`.scaffold`) and the static checks ``validate`` runs first (:mod:`.lint`)."""
