"""Reads of the cases app: ``cases`` (cases, their chronology) and ``links`` (links between incidents)."""
