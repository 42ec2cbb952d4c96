"""The project stands alone: every document it names is in the repository.

Checked over the repository's text files (``*.py``, ``*.md``, ``*.cfg``, ``*.toml``,
``*.sh``, ``*.txt``, ``Makefile``):

* every relative markdown link ``[text](path#anchor)`` resolves from the linking file,
  and its anchor names a heading of the linked markdown file (GitHub's heading slugs);
* every ``docs/...`` path and every ``*.md`` file name mentioned in prose (markdown text,
  Python comments and string literals, shell / config text) names a file of the
  repository: relative to the mentioning file, to the repository root, or as a path
  suffix (globs allowed) of some repository file.

Names that are built at run time or stand for a user's argument are not documents and are
skipped: names with ``{ } < > $``, names under an all-caps placeholder folder
(``OUT_DIR/x.md``), the value of an option in a usage line (``--out FILE.md``), names
starting with ``/`` and Python string literals that consist of the name alone (a file a
program reads or writes, e.g. ``tmp_path / 'table.md'``).

README.md also stays short enough to be read first (at most ``README_MAX_LINES`` lines).
"""
from __future__ import annotations

import fnmatch
import io
import os
import re
import tokenize
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

REPO = Path(__file__).resolve().parents[2]
README_MAX_LINES = 260
TEXT_SUFFIXES = ('.py', '.md', '.cfg', '.toml', '.sh', '.txt')
TEXT_NAMES = ('Makefile', )
#: Folders that are not part of the repository's own text: environments, outputs,
#: generated data (hidden folders are skipped too).
SKIP_DIRS = {'__pycache__', 'work_dirs', 'data', 'build', 'dist', 'node_modules'}

MD_LINK = re.compile(r'\[[^\]\n]*\]\(([^)\s]+)\)')
#: A ``*.md`` name or a ``docs/...`` path, not glued to a longer token on its left.
NAME_CHARS = r'[\w./*-]'
DOC_NAME = re.compile(rf'(?<![\w./*$<>{{}}-])({NAME_CHARS}*[\w*]\.md\b|docs/{NAME_CHARS}*[\w*])')
OPTION_BEFORE = re.compile(r'--[\w-]+[ =]$')
PLACEHOLDER_DIR = re.compile(r'^[A-Z][A-Z0-9_]*$')
FENCE = re.compile(r'^\s*(```|~~~)')
HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')


# ---------------------------------------------------------------------------- files
def text_files(root: Path) -> List[Path]:
    """The repository's text files under ``root`` (sorted), skipping hidden folders,
    virtual environments and output / data folders."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.') and d not in SKIP_DIRS
                         and not d.endswith('.egg-info'))
        found += [Path(folder, name) for name in sorted(files)
                  if name.endswith(TEXT_SUFFIXES) or name in TEXT_NAMES]
    return found


def all_paths(root: Path) -> List[str]:
    """Every file under ``root`` (same skips as :func:`text_files`), as posix paths
    relative to ``root``."""
    paths = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not d.startswith('.') and d not in SKIP_DIRS
                   and not d.endswith('.egg-info')]
        rel = Path(folder).relative_to(root)
        paths += [(rel / name).as_posix() for name in files]
    return paths


# ---------------------------------------------------------------------------- prose
def prose(path: Path) -> Iterator[Tuple[int, str]]:
    """(line number, text) pieces of a file where documents may be named.

    Python: comments and string literals (a literal that is one name alone is skipped,
    see the module doc); markdown: every line without its link targets (checked as
    links); other files: every line.
    """
    text = path.read_text(encoding='utf-8', errors='replace')
    if '.md' not in text and 'docs/' not in text:
        return                                      # nothing to find (fast path)
    if path.suffix == '.md':
        for number, line in enumerate(text.splitlines(), 1):
            yield number, MD_LINK.sub(']', line)
        return
    if path.suffix != '.py':
        yield from enumerate(text.splitlines(), 1)
        return
    strings = {tokenize.STRING, getattr(tokenize, 'FSTRING_MIDDLE', tokenize.STRING)}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.start[0], tok.string
        elif tok.type in strings:
            inner = re.sub(r'^[rbuf]*("""|\'\'\'|"|\')|("""|\'\'\'|"|\')$', '', tok.string,
                           flags=re.I)
            if not DOC_NAME.fullmatch(inner.strip()):
                for offset, line in enumerate(inner.splitlines() or [inner]):
                    yield tok.start[0] + offset, line


def mentioned_names(line: str) -> Iterator[str]:
    """Document names in one line of prose, placeholders skipped."""
    for match in DOC_NAME.finditer(line):
        name = match.group(1).rstrip('.')
        parts = name.split('/')
        if (name.startswith('/') or OPTION_BEFORE.search(line[:match.start()])
                or any(PLACEHOLDER_DIR.match(part) for part in parts[:-1])):
            continue
        yield name


def resolves(name: str, mentioned_in: Path, root: Path, paths: Sequence[str]) -> bool:
    """True when ``name`` is a file of the repository (see the module doc)."""
    if '*' not in name:
        for base in (mentioned_in.parent, root):
            if (base / name).is_file():
                return True
    return any(fnmatch.fnmatchcase(p, name) or fnmatch.fnmatchcase(p, '*/' + name)
               for p in paths)


# ---------------------------------------------------------------------------- links
def github_slugs(markdown: str) -> Set[str]:
    """Anchors GitHub gives the headings of a markdown text (code blocks skipped)."""
    slugs: Set[str] = set()
    seen: Dict[str, int] = {}
    fenced = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        heading = None if fenced else HEADING.match(line)
        if heading is None:
            continue
        text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', heading.group(2))
        slug = re.sub(r'[^\w\- ]', '', text.lower()).replace(' ', '-')
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        slugs.add(slug if count == 0 else f'{slug}-{count}')
    return slugs


def link_problem(target: str, source: Path) -> Optional[str]:
    """Why a markdown link target does not resolve (None when it does, or is external)."""
    if re.match(r'^[a-z][a-z0-9+.-]*:', target, re.I):
        return None                                  # http:, https:, mailto:, ...
    path, _, anchor = target.partition('#')
    linked = (source.parent / path) if path else source
    if not linked.exists():
        return f'links to {path}, which does not exist'
    if anchor and linked.suffix == '.md':
        if anchor not in github_slugs(linked.read_text(encoding='utf-8')):
            return f'links to #{anchor}, which is no heading of {linked.name}'
    return None


# ---------------------------------------------------------------------------- check
def problems(root: Path, exclude: Sequence[Path] = ()) -> List[str]:
    """Every unresolved link or document name under ``root``, one line each
    (files in ``exclude`` are not read)."""
    paths = all_paths(root)
    found = []
    for path in text_files(root):
        if path in exclude:
            continue
        rel = path.relative_to(root).as_posix()
        if path.suffix == '.md':
            fenced = False
            for number, line in enumerate(path.read_text(encoding='utf-8').splitlines(), 1):
                fenced = fenced != bool(FENCE.match(line))
                for target in ([] if fenced else MD_LINK.findall(line)):
                    problem = link_problem(target, path)
                    if problem:
                        found.append(f'{rel}:{number}: {problem}')
        for number, line in prose(path):
            for name in mentioned_names(line):
                if not resolves(name, path, root, paths):
                    found.append(f'{rel}:{number}: names {name}, which is not in the '
                                 'repository')
    return found


def test_every_named_document_is_in_the_repository():
    # this file names missing documents on purpose, in its fake repository below
    found = problems(REPO, exclude=[Path(__file__).resolve()])
    assert not found, '\n'.join(found)


def test_readme_fits_a_few_screens():
    lines = (REPO / 'README.md').read_text(encoding='utf-8').count('\n')
    assert lines <= README_MAX_LINES, (
        f'README.md has {lines} lines (at most {README_MAX_LINES}); move detail to docs/')


def test_checker_finds_missing_documents_and_skips_placeholders(tmp_path):
    """The checker itself: a fake repository with one of each case."""
    (tmp_path / 'docs').mkdir()
    (tmp_path / 'docs' / 'guide.md').write_text('# Guide\n\n## Two words\n')
    (tmp_path / 'README.md').write_text(
        'See [guide](docs/guide.md#two-words), [gone](docs/gone.md),\n'
        '[bad anchor](docs/guide.md#three-words) and docs/guide.md.\n'
        '```\n# not a heading\n```\n'
        '[code is no heading](#not-a-heading)\n'
        'Usage: tool --out FILE.md, writes OUT_DIR/report.md and {name}.md.\n')
    (tmp_path / 'tool.py').write_text(
        '"""Follows MISSING-NOTES.md section 2."""\n'
        "out = 'table.md'  # the writer's file, not a document\n"
        "# see docs/guide.md and results/*.md\n")
    (tmp_path / 'results').mkdir()
    (tmp_path / 'results' / 'run_1.md').write_text('ok\n')
    found = problems(tmp_path)
    assert found == [
        'README.md:1: links to docs/gone.md, which does not exist',
        'README.md:2: links to #three-words, which is no heading of guide.md',
        'README.md:6: links to #not-a-heading, which is no heading of README.md',
        'tool.py:1: names MISSING-NOTES.md, which is not in the repository',
    ], found
