"""Views of the cases app: ``cases`` (the DSL team's cases) and ``links`` (links between incidents)."""
