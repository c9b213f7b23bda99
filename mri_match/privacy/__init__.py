"""Privacy: who may see self-identification (and the log of every view), a person's own data
export and account deletion, and the retention purge."""
