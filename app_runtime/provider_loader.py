"""Load the prebuilt cdktf provider packages lazily: a submodule loads on first use.

Each prebuilt provider loads every one of its bindings when imported (2,212 for aws, 109 for
kubernetes, 3 for helm), on both sides of jsii, although the stacks use a few dozen:

- Python: the package `__init__` ends with one `from . import <submodule>` line per binding.
  The finder that `install()` puts on `sys.meta_path` runs those `__init__` files without that
  tail (everything else, including the jsii assembly load and `__all__`, runs unchanged) and
  gives the package a module `__getattr__`, so `pkg.s3_bucket` and
  `from pkg.s3_bucket import S3Bucket` both import the submodule when first needed.
- Node (the jsii kernel): `lib/index.js` requires every submodule; `provider_loader.js`, which
  `install()` preloads through NODE_OPTIONS, turns those requires into getters.

A package that does not have the expected shape is loaded as usual. `INFRA_EAGER_PROVIDERS=1`
turns both halves off.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

PROVIDER_PACKAGES = (
    "cdktf_cdktf_provider_aws",
    "cdktf_cdktf_provider_helm",
    "cdktf_cdktf_provider_kubernetes",
)
EAGER_PROVIDERS_ENV = "INFRA_EAGER_PROVIDERS"
"""Set to `1` to load the provider packages eagerly, as they ship (for comparisons)."""
JAVASCRIPT_LOADER = Path(__file__).with_name("provider_loader.js")

EAGER_IMPORTS_MARKER = (
    "# Loading modules to ensure their types are registered with the jsii runtime library\n"
)
"""The comment jsii-pacmak writes above the eager `from . import <submodule>` lines."""
_PUBLISH_CALL = "\npublication.publish()"
_ASSEMBLY_IMPORT = "\nfrom ._jsii import *\n"
_EAGER_IMPORT = re.compile(r"from \. import (\w+)")
_ALL_LIST = re.compile(r'^__all__ = \[\n((?:    "\w+",\n)*)\]\n', re.MULTILINE)


def install() -> None:
    """Load the provider packages lazily from now on, unless `INFRA_EAGER_PROVIDERS=1`.

    Idempotent. Call it first, before anything imports cdktf: the Python half applies to provider
    packages imported afterwards, the Node half to Node processes started afterwards, and the
    first cdktf import starts the jsii kernel.
    """
    if os.environ.get(EAGER_PROVIDERS_ENV) == "1":
        return
    if not any(isinstance(finder, LazyProviderFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, LazyProviderFinder(PROVIDER_PACKAGES))
    node_options = os.environ.get("NODE_OPTIONS", "")
    if str(JAVASCRIPT_LOADER) not in node_options:
        os.environ["NODE_OPTIONS"] = f'{node_options} --require "{JAVASCRIPT_LOADER}"'.strip()


def split_eager_imports(source: str) -> tuple[str, tuple[str, ...]] | None:
    """Split a provider `__init__` source into the part to run and its eagerly imported names.

    Returns None unless the source has the shape jsii-pacmak generates: `from ._jsii import *`,
    `__all__`, `publication.publish()`, then the marker comment followed only by one
    `from . import <name>` line per name of `__all__` (in any order).
    """
    head, marker, tail = source.rpartition(EAGER_IMPORTS_MARKER)
    if not marker or _ASSEMBLY_IMPORT not in head or not head.rstrip().endswith(_PUBLISH_CALL):
        return None
    matches = [_EAGER_IMPORT.fullmatch(line) for line in tail.splitlines() if line]
    if not matches or not all(matches):
        return None
    names = tuple(match[1] for match in matches)
    declared = _ALL_LIST.search(head)
    if declared is None or sorted(re.findall(r'"(\w+)"', declared[1])) != sorted(names):
        return None
    return head, names


class LazyProviderFinder:
    """A `sys.meta_path` finder for exactly `packages`; it leaves every other import alone."""

    def __init__(self, packages: Iterable[str]) -> None:
        self._packages = frozenset(packages)

    def find_spec(self, fullname: str, path=None, target=None):
        """The package's usual spec with a lazy loader, or None (import as usual)."""
        if fullname not in self._packages:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.submodule_search_locations:
            return None
        try:
            split = split_eager_imports(Path(spec.origin).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):
            return None
        if split is None:
            return None
        source, submodules = split
        spec.loader = LazyPackageLoader(fullname, spec.origin, source, submodules)
        return spec


class LazyPackageLoader(importlib.machinery.SourceFileLoader):
    """Runs a package `__init__` without its eager submodule imports; imports them on access."""

    def __init__(self, fullname: str, path: str, source: str, submodules: tuple[str, ...]) -> None:
        super().__init__(fullname, path)
        self.source = source
        self.submodules = submodules

    def get_code(self, fullname: str):
        # Same file name and line numbers as the file on disk, so tracebacks point into it.
        return compile(self.source, self.path, "exec", dont_inherit=True)

    def exec_module(self, module: ModuleType) -> None:
        super().exec_module(module)
        # publication.publish() replaced the module in sys.modules by its public face.
        package = sys.modules[module.__name__]
        package.__getattr__ = _import_on_access(module.__name__, frozenset(self.submodules))
        assembly = getattr(module, "__jsii_assembly__", None)
        if assembly is not None:
            _register_submodules_with_jsii(assembly.name, module.__name__, self.submodules)


def _import_on_access(package: str, submodules: frozenset[str]) -> Callable[[str], ModuleType]:
    """A module `__getattr__` (PEP 562) that imports a submodule the first time it is named."""

    def __getattr__(name: str) -> ModuleType:
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__


def _register_submodules_with_jsii(assembly: str, package: str, submodules: Iterable[str]) -> None:
    """Tell the jsii runtime which Python module holds each jsii submodule of `assembly`.

    The eager imports made sure every type was registered before JavaScript could hand an
    object of it to Python. Given this map (what newer jsii-pacmak output provides as
    `_SUBMODULE_FQN_MAP`), the jsii runtime (1.142, pinned) imports a missing module itself.
    """
    from jsii import _reference_map  # the package has imported jsii by now

    fqn_map = getattr(_reference_map, "_submodule_fqn_map", None)
    if fqn_map is None:
        return
    for name in submodules:
        fqn_map[f"{assembly}.{jsii_submodule_name(name)}"] = f"{package}.{name}"


def jsii_submodule_name(python_name: str) -> str:
    """The jsii name of a provider submodule: `s3Bucket` for the Python module `s3_bucket`."""
    first, *rest = python_name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)
