"""`bluegreen`: the operator and pipeline CLI."""
