"""norms: the norm-file language (load, lint, resolve, evaluate) and the built-in packs.

Imports nothing of normbot's other packages. The public API is below; everything else is private.
"""

from __future__ import annotations

from norms.errors import NormError, NormFileError, UnknownPackError
from norms.evaluate import evaluate, evaluate_norm
from norms.examples import ExampleOutcome, example_context, run_examples
from norms.fields import FIELD_NAMES, FileRef, Hash, Link, ReleaseFields
from norms.loader import (
    builtin_pack_names,
    lint_path,
    lint_text,
    load_builtin,
    load_pack,
    load_pack_text,
    resolve_pack,
)
from norms.model import (
    NEEDS,
    OUTCOMES,
    SEVERITIES,
    Example,
    Norm,
    NormPack,
    NormResult,
    ParentFacts,
    ReleaseContext,
    ReviewSettings,
    Text,
    in_language,
)
from norms.problems import FORMATS, Problem, render_problems

__all__ = [
    "FIELD_NAMES",
    "FORMATS",
    "NEEDS",
    "OUTCOMES",
    "SEVERITIES",
    "Example",
    "ExampleOutcome",
    "FileRef",
    "Hash",
    "Link",
    "Norm",
    "NormError",
    "NormFileError",
    "NormPack",
    "NormResult",
    "ParentFacts",
    "Problem",
    "ReleaseContext",
    "ReleaseFields",
    "ReviewSettings",
    "Text",
    "UnknownPackError",
    "builtin_pack_names",
    "evaluate",
    "evaluate_norm",
    "example_context",
    "in_language",
    "lint_path",
    "lint_text",
    "load_builtin",
    "load_pack",
    "load_pack_text",
    "render_problems",
    "resolve_pack",
    "run_examples",
]
