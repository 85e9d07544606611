"""The `orch` command line: thin wrappers that parse options, call one library function, render."""
