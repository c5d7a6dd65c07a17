"""Hand-labelled corpora for the quantity normaliser (see `expressions`)."""
