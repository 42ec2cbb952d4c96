"""The package's layers: every import of one rleseg subpackage from another runs down,
never up or sideways (module-level and function-level imports alike), so each layer can
be used and tested without the ones above it."""
import ast
from pathlib import Path
from typing import Iterator, Optional, Tuple

PACKAGE = Path(__file__).resolve().parents[2] / 'rleseg'
#: Subpackage -> layer; a module may import from a strictly lower layer (or its own
#: subpackage). evaluation and models share a layer: neither imports the other.
LAYERS = dict(tokenizers=0, datasets=1, evaluation=2, models=2, engine=3, benchmark=4)


def _imports(path: Path, source: Optional[str] = None) -> Iterator[Tuple[int, str]]:
    """(line, imported subpackage) of every rleseg import in the module at ``path``
    (its text, or ``source`` read as that module)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix('').parts
    for node in ast.walk(ast.parse(source or path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's own package
                base = list(parts[:len(parts) - node.level])
                names = base + (node.module.split('.') if node.module else [])
                targets = [names] if node.module else [base + [a.name] for a in node.names]
            else:
                targets = [(node.module or '').split('.')]
                if targets[0] == ['rleseg']:
                    targets = [['rleseg', a.name] for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [a.name.split('.') for a in node.names]
        else:
            continue
        for target in targets:
            if len(target) > 1 and target[0] == 'rleseg' and target[1] in LAYERS:
                yield node.lineno, target[1]


def test_every_subpackage_has_a_layer():
    found = {p.name for p in PACKAGE.iterdir() if (p / '__init__.py').is_file()}
    assert found == set(LAYERS)


def test_no_import_runs_up_or_sideways():
    wrong = []
    for sub, layer in LAYERS.items():
        for path in sorted((PACKAGE / sub).rglob('*.py')):
            for line, target in _imports(path):
                if target != sub and LAYERS[target] >= layer:
                    wrong.append(f'{path.relative_to(PACKAGE.parent)}:{line} imports '
                                 f'rleseg.{target}')
    assert not wrong, wrong


def test_the_checker_sees_relative_absolute_and_function_level_imports():
    module = PACKAGE / 'evaluation' / 'token_accuracy.py'
    source = ('import rleseg.tokenizers\nfrom rleseg import models\n'
              'def f():\n    from ..datasets.patching import x\n    from . import counts\n')
    assert list(_imports(module, source)) == [
        (1, 'tokenizers'), (2, 'models'), (4, 'datasets'), (5, 'evaluation')]
