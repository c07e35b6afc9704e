"""Home-page panels contributed by feature apps, so platform pages never import a feature's models.

A feature registers a function in its ``AppConfig.ready()``::

    panels.register("parent_home", aup_panels.forms_to_sign)

The function takes keyword arguments (``user``; ``school`` for "school_home") and returns ``None`` (nothing to
show) or ``(template_name, context)``. Pages render each returned panel with ``{% include %}``. Kinds:
"parent_home" (user), "school_home" (user, school), "pupil_detail" (user, school, pupil: a card on the pupil's
page; the function decides whether ``user`` may see it, through ``safeguard.permissions``).
"""

_REGISTRY = {}


def register(kind, function):
    """Add ``function`` to the panels of ``kind`` (idempotent)."""
    functions = _REGISTRY.setdefault(kind, [])
    if function not in functions:
        functions.append(function)


def collect(kind, **kwargs):
    """The panels of ``kind`` for these arguments: a list of ``{"template": str, "context": dict}``."""
    panels = []
    for function in _REGISTRY.get(kind, []):
        result = function(**kwargs)
        if result is not None:
            template, context = result
            panels.append({"template": template, "context": context})
    return panels
