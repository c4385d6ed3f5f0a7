"""A deterministic, rule-based labeller of mutation diffs: the fallback of the LLM judge
and the baseline it is compared with.

It reads only the diff's removed (``-``) and added (``+``) lines (context lines only to
know which names already existed) and applies textual cues, each documented at its
rule. A cue fires on what a change *introduces*: a pattern that occurs more often in the
added code than in the removed code, or a name that the parent's side of the diff does
not have. Comments are stripped before the code cues; only the bug-fix cue reads them.

Decision order: an empty diff has no label; a change of comments, whitespace or
consistent renaming only is ``refactor_noop`` and nothing else; otherwise every cue that
fires adds its label, and a change no cue recognises is ``replacement`` (a local rewrite
of the same steps). The rules are simple on purpose: they are a baseline, not a model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

# String and character literals (so that "//" inside them is no comment), then comments.
_LEXEME = re.compile(
    r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|(?P<comment>//[^\n]*|/\*.*?\*/)',
    re.DOTALL,
)
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|<=|>=|==|!=|->|::|\+\+|--|&&|\|\||\S")
# C++ keywords and the fixed-width type names: never "new names", never renamed.
_KEYWORD_TEXT = (
    "alignas auto bool break case char class const constexpr continue default delete do "
    "double else enum explicit extern false float for if inline int long namespace new "
    "noexcept nullptr operator private public return short signed size_t sizeof static "
    "struct switch template this thread_local true typedef typename uint8_t uint32_t "
    "uint64_t int32_t int64_t union unsigned using void volatile while std"
)
_KEYWORDS = frozenset(_KEYWORD_TEXT.split())


@dataclass(frozen=True)
class DiffSides:
    """The code of one diff, comments stripped: removed lines, added lines, context
    lines, and the comment text of the added lines."""

    removed: tuple[str, ...]
    added: tuple[str, ...]
    context: tuple[str, ...]
    added_comments: str

    @property
    def removed_text(self) -> str:
        return "\n".join(self.removed)

    @property
    def added_text(self) -> str:
        return "\n".join(self.added)

    def new_names(self) -> frozenset[str]:
        """Identifiers of the added code that neither removed nor context lines have."""
        known = _names(self.removed) | _names(self.context)
        return _names(self.added) - known


def _names(lines: Iterable[str]) -> frozenset[str]:
    return frozenset(
        name for line in lines for name in _IDENTIFIER.findall(line) if name not in _KEYWORDS
    )


def _strip_comments(lines: list[str]) -> tuple[list[str], str]:
    """The lines with comments removed (line count kept), and the comments' text."""
    text = "\n".join(lines)
    comments: list[str] = []

    def blank(match: re.Match[str]) -> str:
        if match.group("comment") is None:
            return match.group(0)
        comments.append(match.group("comment"))
        return "\n" * match.group("comment").count("\n")

    return _LEXEME.sub(blank, text).split("\n"), "\n".join(comments)


def split_diff(diff: str) -> DiffSides:
    """The removed, added and context lines of a unified diff, comments stripped."""
    removed: list[str] = []
    added: list[str] = []
    context: list[str] = []
    for line in diff.splitlines():
        if line.startswith(("--- ", "+++ ", "@@")) or line in ("---", "+++"):
            continue
        if line.startswith("-"):
            removed.append(line[1:])
        elif line.startswith("+"):
            added.append(line[1:])
        elif line.startswith(" "):
            context.append(line[1:])
    removed_code, _ = _strip_comments(removed)
    added_code, added_comments = _strip_comments(added)
    context_code, _ = _strip_comments(context)
    return DiffSides(
        removed=tuple(line for line in removed_code if line.strip()),
        added=tuple(line for line in added_code if line.strip()),
        context=tuple(line for line in context_code if line.strip()),
        added_comments=added_comments,
    )


def _tokens(lines: Iterable[str]) -> list[str]:
    return [token for line in lines for token in _TOKEN.findall(line)]


def is_noop(sides: DiffSides) -> bool:
    """Whether the code tokens of both sides are equal up to a consistent renaming of
    identifiers (so comments, whitespace, formatting and pure renames are no-ops). A
    renamed name must not be qualified (``std::lower_bound`` is another function, not a
    new name) and must not be left in the context lines (a rename changes every use)."""
    before, after = _tokens(sides.removed), _tokens(sides.added)
    if len(before) != len(after):
        return False
    in_context = _names(sides.context)
    forward: dict[str, str] = {}
    backward: dict[str, str] = {}
    for index, (old, new) in enumerate(zip(before, after, strict=True)):
        if old == new:
            continue
        renamable = _IDENTIFIER.fullmatch(old) and _IDENTIFIER.fullmatch(new)
        qualified = index > 0 and before[index - 1] == "::"
        if not renamable or qualified or old in _KEYWORDS or new in _KEYWORDS:
            return False
        if old in in_context:
            return False
        if forward.setdefault(old, new) != new or backward.setdefault(new, old) != old:
            return False
    return True


def _count(pattern: re.Pattern[str], text: str) -> int:
    return len(pattern.findall(text))


def _introduces(sides: DiffSides, pattern: str) -> bool:
    """Whether the added code has more matches of ``pattern`` than the removed code."""
    compiled = re.compile(pattern)
    return _count(compiled, sides.added_text) > _count(compiled, sides.removed_text)


def _drops(sides: DiffSides, pattern: str) -> bool:
    """Whether the removed code has more matches of ``pattern`` than the added code."""
    compiled = re.compile(pattern)
    return _count(compiled, sides.removed_text) > _count(compiled, sides.added_text)


def _new_name_like(sides: DiffSides, pattern: str) -> bool:
    """Whether a new identifier matches ``pattern`` (case-insensitive, anywhere)."""
    compiled = re.compile(pattern, re.IGNORECASE)
    return any(compiled.search(name) for name in sides.new_names())


# --- the cues, one function per label --------------------------------------------------

_INTRINSIC = r"\b_mm\d*_\w+|\b__m(?:128|256|512)\w*|vector_size\s*\("
_THREADS = r"#\s*pragma\s+omp\b|\bstd::(?:j?thread|async)\b|\bstd::execution::par|<thread>"


def _parallelism_simd(sides: DiffSides) -> bool:
    """Threads, OpenMP, or SIMD (intrinsics, vector types, ``omp simd``) introduced."""
    return _introduces(sides, _THREADS) or _introduces(sides, _INTRINSIC)


def _hardware_specialization(sides: DiffSides) -> bool:
    """Intrinsics and vector types, alignment, prefetching, target attributes, special
    bit instructions or cache-line sizes introduced."""
    cues = (
        _INTRINSIC + r"|immintrin|\balignas\b|aligned\s*\(|__builtin_prefetch|_mm_prefetch"
        r"|\btarget\s*\(\s*\"|__builtin_(?:ctz|clz|popcount|bswap)\w*"
        r"|hardware_\w+_interference_size"
    )
    return _introduces(sides, cues) or _new_name_like(sides, r"cache_?line")


def _added_inline(sides: DiffSides) -> bool:
    """An existing declaration that gained ``inline`` (new inline helpers do not count)."""
    removed = {" ".join(line.split()) for line in sides.removed}
    for line in sides.added:
        if re.search(r"\binline\b", line):
            plain = " ".join(re.sub(r"\binline\s+", "", line).split())
            if plain in removed:
                return True
    return False


def _compiler_hints(sides: DiffSides) -> bool:
    """``__restrict``, branch and assumption hints, function attributes, ``#pragma GCC``
    / unroll pragmas introduced, or ``inline`` added to an existing declaration."""
    cues = (
        r"__restrict\w*|\[\[\s*(?:likely|unlikely|assume|gnu::\w+)|__builtin_expect"
        r"|__builtin_assume|__builtin_unreachable|#\s*pragma\s+(?:GCC|unroll|clang)"
        r"|__attribute__\s*\(\(\s*(?:always_inline|hot|cold|flatten|noinline|optimize|pure"
        r"|const)\b"
    )
    return _introduces(sides, cues) or _added_inline(sides)


def _caching(sides: DiffSides) -> bool:
    """A new memo/cache/history name, or new mutable ``static`` state (a container or
    array that outlives the call), introduced."""
    mutable_static = (
        r"\bstatic\s+(?:thread_local\s+)?(?!const\b|constexpr\b)"
        r"(?:std::)?(?:unordered_map|unordered_set|map|set|vector|array|deque)\b"
        r"|\bstatic\s+(?:thread_local\s+)?(?!const\b|constexpr\b)[\w:]+\s+\w+\s*\["
    )
    return _introduces(sides, mutable_static) or _new_name_like(
        sides, r"memo|cach|history|ghost|seen"
    )


def _precomputing(sides: DiffSides) -> bool:
    """A constant lookup table, or a new table/transposed/reciprocal/precomputed name,
    introduced."""
    table = (
        r"\bstatic\s+const(?:expr)?\s+(?:[\w:<>]+\s+)+\w+\s*\["
        r"|\bconstexpr\s+(?:[\w:<>]+\s+)+\w+\s*\[|\bstd::array<"
    )
    return _introduces(sides, table) or _new_name_like(
        sides, r"table|lut|lookup|precomp|transpos|^inv_?|recip"
    )


def _batching(sides: DiffSides) -> bool:
    """A batch/tile/block/chunk/arena name, a loop stepping by a named block size, a
    ``reserve``/``append``/three-argument ``insert`` (a range or n copies) introduced:
    many items in one call."""
    cues = (
        r"\.reserve\(|\.append\([^)]*,|\.insert\([^,;]+,[^,;]+,[^,;]+\)\s*;"
        r"|;\s*\w+\s*\+=\s*(?:[A-Z][A-Z0-9_]*|k[A-Z]\w*)\s*\)"
    )
    return _introduces(sides, cues) or _new_name_like(sides, r"batch|tile|block|chunk|arena|bulk")


def _deferring(sides: DiffSides) -> bool:
    """A lazy/deferred/dirty/pending/generation/stamp name introduced (work postponed,
    clearing replaced by versioning)."""
    return _new_name_like(sides, r"lazy|defer|dirty|pending|stale|generation|epoch|stamp")


_LIMIT = re.compile(r"\b(\w*(?:max|tries|iter|limit|budget)\w*)\s*=\s*(\d+)\b", re.IGNORECASE)


def _smaller_limit(sides: DiffSides) -> bool:
    """A search limit constant (max/tries/iter/limit/budget) made smaller."""
    before = {name: int(value) for name, value in _LIMIT.findall(sides.removed_text)}
    after = {name: int(value) for name, value in _LIMIT.findall(sides.added_text)}
    return any(name in before and value < before[name] for name, value in after.items())


def _relaxation(sides: DiffSides) -> bool:
    """``double`` turned into ``float``, approximations, fast-math, FMA, relaxed memory
    order, several partial accumulators (reassociated sums) or a smaller search limit."""
    cues = (
        r"(?i:approx|fast_?(?:exp|tanh|sqrt|inv|math)|rsqrt|fast-math)"
        r"|memory_order_relaxed|\bstd::fma|__builtin_fma|\bfmaf?\s*\(|_mm\d*_fmadd"
    )
    to_float = _drops(sides, r"\bdouble\b") and _introduces(sides, r"\bfloat\b")
    accumulators = [name for name in sides.new_names() if re.fullmatch(r"(?:s|sum|acc)_?\d+", name)]
    return to_float or _introduces(sides, cues) or len(accumulators) >= 2 or _smaller_limit(sides)


def _contextualization(sides: DiffSides) -> bool:
    """A new name for runtime information (mode, pattern, adaptive, fast path, miss/hit
    statistics), CPU feature detection, or a new test on the last/first element."""
    cues = r"__builtin_cpu_supports|\bif\s*\(.*(?:\.back\(\)|\.front\(\))"
    return _introduces(sides, cues) or _new_name_like(
        sides, r"adapt|detect|heuristic|mode|pattern|fast_?path|slow_?path|streak|miss|hit_"
    )


def _layering(sides: DiffSides) -> bool:
    """A new struct or union type, a hot/cold/compact/flat/raw/bypass name, or container
    appends dropped for writes through a raw pointer (a layer bypassed)."""
    new_type = r"\b(?:struct|union)\s+\w*\s*\{"
    raw_writes = _drops(sides, r"\.push_back\(") and _introduces(
        sides, r"\*\s*\w+\s*\+\+\s*=|\w+\[\s*\w+\s*\+\+\s*\]\s*="
    )
    return (
        _introduces(sides, new_type)
        or raw_writes
        or _new_name_like(sides, r"^hot|cold|soa\b|aos\b|compact|flat|^raw|bypass")
    )


_ALGORITHMS = (
    r"\bstd::(?:lower_bound|upper_bound|binary_search|equal_range|sort|stable_sort"
    r"|partial_sort|nth_element|make_heap|push_heap|pop_heap|priority_queue|unordered_map"
    r"|unordered_set|map|set|multimap|bitset|deque|list)\b"
)


def _algorithmic(sides: DiffSides) -> bool:
    """A standard algorithm or data structure the removed code did not use, or a new
    heap/binary-search/Bloom/sketch/ghost/frequency name."""
    before = set(re.findall(_ALGORITHMS, sides.removed_text))
    after = set(re.findall(_ALGORITHMS, sides.added_text)) - set(
        re.findall(_ALGORITHMS, "\n".join(sides.context))
    )
    return bool(after - before) or _new_name_like(
        sides, r"heap|bsearch|binary|bisect|bloom|sketch|ghost|freq"
    )


_LOOP = re.compile(r"^(\s*)for\s*\((.*)$")


def _loop_depths(lines: Iterable[str]) -> dict[str, int]:
    """Loop variable -> the smallest indentation of a ``for`` over it. The variable is
    the first name of the increment clause, or the declared name of a range-for."""
    depths: dict[str, int] = {}
    for line in lines:
        match = _LOOP.match(line)
        if match is None:
            continue
        clauses = match.group(2).split(";")
        if len(clauses) >= 3:
            found = _IDENTIFIER.search(clauses[2])
            variable = found.group(0) if found else None
        else:
            found = re.search(r"(\w+)\s*:", clauses[0])
            variable = found.group(1) if found else None
        if variable is None:
            continue
        indent = len(match.group(1).expandtabs(4))
        depths[variable] = min(indent, depths.get(variable, indent))
    return depths


def _reordering(sides: DiffSides) -> bool:
    """Loop interchange: of two loop variables on both sides, one was nested deeper than
    the other and no longer is (by the indentation of their ``for`` lines)."""
    before, after = _loop_depths(sides.removed), _loop_depths(sides.added)
    common = sorted(before.keys() & after.keys())
    for outer in common:
        for inner in common:
            if before[inner] > before[outer] and after[inner] <= after[outer]:
                return True
    return False


_EARLY_EXIT = r"(?m)\bif\s*\(.*\)\s*\{?[^{}\n]*\b(?:break|continue|return\b[^;]*)\s*;|^\s*break\s*;"
_DROPPED_WORK = (
    r"\bstd::fill\b|\bmemset\b|\.assign\(|\bstd::vector<[^;=]*>\s+\w+\s*[;(]"
    r"|\bnew\s+\w+|\.clear\(\)"
)


def _removal(sides: DiffSides) -> bool:
    """Code removed with nothing added, an early exit (``if (...) break/return/continue``)
    added, or clearing/allocation (fill, memset, assign, local vectors, new) dropped."""
    only_removed = bool(sides.removed) and not sides.added
    return only_removed or _introduces(sides, _EARLY_EXIT) or _drops(sides, _DROPPED_WORK)


def _replacement(sides: DiffSides) -> bool:
    """A known cheaper operation swapped in: pow, division, modulo, endl or element-wise
    appends dropped for multiplications, masks, memcpy/memmove/emplace/string_view."""
    cheaper_in = r"\bmemcpy\b|\bmemmove\b|emplace_back|string_view|\bstd::move\b"
    costly_out = r"\bstd::pow\b|\bpow\s*\(|std::endl|\.push_back\(|\.insert\(|\s%\s"
    return _drops(sides, costly_out) and _introduces(sides, cheaper_in)


_FIX_WORDS = re.compile(
    r"\bfix(?:es|ing)?\b|\bbug|overflow|off[- ]by[- ]one|out of (?:bounds|range)|\bcorrect|\bnan\b"
    r"|\bguard|divide by zero|division by zero|undefined behaviou?r",
    re.IGNORECASE,
)
_COMPARISONS = frozenset({"<", "<=", ">", ">=", "==", "!="})


def _boundary_edit(sides: DiffSides) -> bool:
    """Line pairs that differ only in comparison operators or in integers that are one
    apart: the shape of an off-by-one fix."""
    if not sides.removed or len(sides.removed) != len(sides.added):
        return False
    for old_line, new_line in zip(sides.removed, sides.added, strict=True):
        old, new = _tokens([old_line]), _tokens([new_line])
        if len(old) != len(new):
            return False
        for a, b in zip(old, new, strict=True):
            if a == b:
                continue
            if a in _COMPARISONS and b in _COMPARISONS:
                continue
            if a.isdigit() and b.isdigit() and abs(int(a) - int(b)) == 1:
                continue
            return False
    return True


def _bug_fix(sides: DiffSides) -> bool:
    """A comment of the added lines that speaks of a fix, bug, overflow, off-by-one,
    NaN or guard, or a boundary edit (only comparisons or off-by-one integers)."""
    return bool(_FIX_WORDS.search(sides.added_comments)) or _boundary_edit(sides)


_RULES: tuple[tuple[str, Callable[[DiffSides], bool]], ...] = (
    ("removal", _removal),
    ("replacement", _replacement),
    ("reordering", _reordering),
    ("batching", _batching),
    ("caching", _caching),
    ("precomputing", _precomputing),
    ("deferring", _deferring),
    ("relaxation", _relaxation),
    ("contextualization", _contextualization),
    ("hardware_specialization", _hardware_specialization),
    ("layering", _layering),
    ("algorithmic", _algorithmic),
    ("parallelism_simd", _parallelism_simd),
    ("compiler_hints", _compiler_hints),
    ("bug_fix", _bug_fix),
)


def rule_labels(diff: str) -> frozenset[str]:
    """The labels (taxonomy.ALL_LABELS) that the rules give a unified diff."""
    sides = split_diff(diff)
    if not sides.removed and not sides.added:
        # nothing but comments or blank lines changed (or no change at all)
        return frozenset({"refactor_noop"}) if diff.strip() else frozenset()
    if is_noop(sides):
        return frozenset({"refactor_noop"})
    labels = frozenset(label for label, rule in _RULES if rule(sides))
    return labels or frozenset({"replacement"})
