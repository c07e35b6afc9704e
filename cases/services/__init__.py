"""Writes of the cases app: ``cases`` (cases of the DSL team) and ``links`` (links between incidents)."""
