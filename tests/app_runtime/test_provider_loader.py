"""The lazy provider loader (app_runtime/provider_loader.py and .js).

Both halves, Python and the jsii kernel's JavaScript: a submodule loads on first use, a package
of another shape loads as shipped, main.py and this test session load lazily, and synth writes
the same bytes as with eager loading. Speed is measured by `make bench`, never by a timed test.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app_runtime.provider_loader import (
    EAGER_IMPORTS_MARKER,
    EAGER_PROVIDERS_ENV,
    JAVASCRIPT_LOADER,
    PROVIDER_PACKAGES,
    LazyPackageLoader,
    LazyProviderFinder,
    install,
    jsii_submodule_name,
)
from synth_helpers import REPO_ROOT, SHIPPED_ENVIRONMENTS, stack_names

FAKE_PACKAGE = "fake_provider"
FAKE_SUBMODULES = ("alpha", "beta")


def generated_init(submodules=FAKE_SUBMODULES, declared=None) -> str:
    """A package `__init__` in the shape jsii-pacmak generates for the prebuilt providers."""
    listing = "".join(f'    "{name}",\n' for name in (submodules if declared is None else declared))
    imports = "".join(f"from . import {name}\n" for name in submodules)
    return (
        "import publication\n\nfrom ._jsii import *\n\nHEAD_RAN = True\n\n"
        f"__all__ = [\n{listing}]\n\npublication.publish()\n\n{EAGER_IMPORTS_MARKER}{imports}"
    )


@pytest.fixture
def fake_package(tmp_path, monkeypatch):
    """`write(init_source)` creates the package FAKE_PACKAGE, importable through the finder."""

    def write(init_source: str) -> None:
        package = tmp_path / FAKE_PACKAGE
        (package / "_jsii").mkdir(parents=True)
        (package / "_jsii" / "__init__.py").write_text("")
        for name in FAKE_SUBMODULES:
            (package / name).mkdir()
            (package / name / "__init__.py").write_text(f"class {name.capitalize()}:\n    pass\n")
        (package / "__init__.py").write_text(init_source)

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", [LazyProviderFinder([FAKE_PACKAGE]), *sys.meta_path])
    yield write
    for name in [name for name in sys.modules if name.split(".")[0] == FAKE_PACKAGE]:
        del sys.modules[name]


def loaded_submodules() -> set[str]:
    return {
        name.split(".")[1]
        for name in sys.modules
        if name.split(".")[0] == FAKE_PACKAGE and name.count(".") == 1
    }


def test_import_runs_the_package_but_loads_no_submodule(fake_package):
    fake_package(generated_init())
    import fake_provider

    assert loaded_submodules() == {"_jsii", "_private"}
    assert fake_provider.__all__ == list(FAKE_SUBMODULES)
    assert fake_provider._private.HEAD_RAN
    assert isinstance(fake_provider.__spec__.loader, LazyPackageLoader)


def test_attribute_access_loads_that_submodule_only(fake_package):
    fake_package(generated_init())
    import fake_provider

    assert fake_provider.alpha.Alpha.__module__ == "fake_provider.alpha"
    assert loaded_submodules() == {"_jsii", "_private", "alpha"}


def test_submodule_import_works_without_the_others(fake_package):
    fake_package(generated_init())
    from fake_provider.beta import Beta

    assert Beta.__module__ == "fake_provider.beta"
    assert "alpha" not in loaded_submodules()


def test_unknown_attribute_is_an_attribute_error(fake_package):
    fake_package(generated_init())
    import fake_provider

    with pytest.raises(AttributeError, match="has no attribute 'gamma'"):
        fake_provider.gamma  # noqa: B018 (the attribute access is what is tested)


@pytest.mark.parametrize(
    "init_source",
    [
        pytest.param(generated_init() + "EXTRA = 1\n", id="code after the submodule imports"),
        pytest.param(generated_init(declared=("alpha",)), id="__all__ differs from the imports"),
        pytest.param(generated_init().replace(EAGER_IMPORTS_MARKER, ""), id="no marker comment"),
        pytest.param(generated_init().replace("publication.publish()\n", ""), id="no publish call"),
        pytest.param(
            generated_init().replace("from ._jsii import *\n", ""), id="no assembly import"
        ),
        pytest.param(generated_init(submodules=()), id="no submodule imports"),
    ],
)
def test_unexpected_package_shape_is_imported_as_shipped(fake_package, init_source):
    fake_package(init_source)
    import fake_provider

    assert not isinstance(fake_provider.__spec__.loader, LazyPackageLoader)
    imported = {name for name in FAKE_SUBMODULES if f"from . import {name}\n" in init_source}
    assert imported <= loaded_submodules()


def lazy_finders() -> list[LazyProviderFinder]:
    return [finder for finder in sys.meta_path if isinstance(finder, LazyProviderFinder)]


def test_install_puts_one_finder_first(monkeypatch):
    monkeypatch.setattr(
        sys,
        "meta_path",
        [finder for finder in sys.meta_path if not isinstance(finder, LazyProviderFinder)],
    )
    monkeypatch.delenv(EAGER_PROVIDERS_ENV, raising=False)
    install()
    install()
    assert lazy_finders() == [sys.meta_path[0]]


def test_install_does_nothing_when_eager_providers_are_asked_for(monkeypatch):
    monkeypatch.setattr(
        sys,
        "meta_path",
        [finder for finder in sys.meta_path if not isinstance(finder, LazyProviderFinder)],
    )
    monkeypatch.setenv(EAGER_PROVIDERS_ENV, "1")
    install()
    assert lazy_finders() == []


# The real provider packages, in a fresh interpreter: this one may have loaded them already.
REAL_PACKAGES_PROBE = """
import json, sys
from app_runtime import provider_loader
provider_loader.install()
import cdktf_cdktf_provider_aws as aws, cdktf_cdktf_provider_helm, cdktf_cdktf_provider_kubernetes
from jsii import _reference_map

facts = {
    "loaders": sorted({type(sys.modules[name].__spec__.loader).__name__
                       for name in provider_loader.PROVIDER_PACKAGES}),
    "submodules_after_import": sorted(
        name for name in sys.modules if name.startswith("cdktf_cdktf_provider_")
        and name.count(".") == 1 and not name.endswith(("._jsii", "._private"))),
    "by_attribute": aws.s3_bucket.S3Bucket.TF_RESOURCE_TYPE,
}
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1
facts["by_import"] = NamespaceV1.TF_RESOURCE_TYPE
RELEASE = "@cdktf/provider-helm.release.Release"
_reference_map._try_import_type_module(RELEASE)  # what jsii does on meeting an unknown type
facts["jsii_resolves_unloaded_type"] = RELEASE in _reference_map._types
print(json.dumps(facts))
"""


@pytest.fixture(scope="module")
def real_packages() -> dict:
    """Facts about the three provider packages imported through the loader."""
    env = {**os.environ}
    env.pop(EAGER_PROVIDERS_ENV, None)
    result = subprocess.run(
        [sys.executable, "-c", REAL_PACKAGES_PROBE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_real_packages_load_lazily(real_packages):
    assert real_packages["loaders"] == ["LazyPackageLoader"]
    assert real_packages["submodules_after_import"] == []


def test_real_submodules_load_by_attribute_and_by_import(real_packages):
    assert real_packages["by_attribute"] == "aws_s3_bucket"
    assert real_packages["by_import"] == "kubernetes_namespace_v1"


def test_jsii_can_load_a_provider_type_it_meets_before_python_did(real_packages):
    assert real_packages["jsii_resolves_unloaded_type"]


@pytest.mark.parametrize("package", PROVIDER_PACKAGES)
def test_jsii_names_of_every_real_submodule_are_derived_right(package):
    package_dir = Path(importlib.util.find_spec(package).origin).parent
    assembly = re.search(
        r'JSIIAssembly\.load\(\s*"([^"]+)"', (package_dir / "_jsii" / "__init__.py").read_text()
    )[1]
    wrong = []
    for init in sorted(package_dir.glob("*/__init__.py")):
        if init.parent.name == "_jsii":
            continue
        with init.open(encoding="utf-8") as source:
            first_type = re.search(r'jsii_type="([^"]+)"', source.read(8192))[1]
        if first_type.rpartition(".")[0] != f"{assembly}.{jsii_submodule_name(init.parent.name)}":
            wrong.append((init.parent.name, first_type))
    assert wrong == []


# A fake provider's JavaScript: lib/index.js in the shape the prebuilt providers ship.
EAGER_INDEX_JS = "".join(f'exports.{name} = require("./{name}");\n' for name in FAKE_SUBMODULES)
NODE_PROBE = """
const provider = require("@cdktf/provider-aws");
const afterRequire = [...(globalThis.loadedSubmodules || [])];
const alpha = provider.alpha.name;
console.log(JSON.stringify({afterRequire, alpha, afterAccess: globalThis.loadedSubmodules}));
"""


def run_fake_javascript_provider(tmp_path, index_js: str, **env) -> dict:
    """Require a fake `@cdktf/provider-aws` in Node with provider_loader.js preloaded."""
    lib = tmp_path / "node_modules" / "@cdktf" / "provider-aws" / "lib"
    for name in FAKE_SUBMODULES:
        (lib / name).mkdir(parents=True)
        (lib / name / "index.js").write_text(
            f'(globalThis.loadedSubmodules ||= []).push("{name}");\nexports.name = "{name}";\n'
        )
    (lib / "index.js").write_text(index_js)
    (lib.parent / "package.json").write_text('{"main": "lib/index.js"}')
    result = subprocess.run(
        ["node", "--require", str(JAVASCRIPT_LOADER), "-e", NODE_PROBE],
        cwd=tmp_path,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_javascript_submodules_load_on_first_access(tmp_path):
    loaded = run_fake_javascript_provider(tmp_path, EAGER_INDEX_JS)
    assert loaded == {"afterRequire": [], "alpha": "alpha", "afterAccess": ["alpha"]}


@pytest.mark.parametrize(
    ("index_js", "env"),
    [
        pytest.param(
            EAGER_INDEX_JS + 'const extra = require("./beta");\n', {}, id="another require"
        ),
        pytest.param(EAGER_INDEX_JS, {EAGER_PROVIDERS_ENV: "1"}, id="eager asked for"),
    ],
)
def test_javascript_loads_as_shipped_otherwise(tmp_path, index_js, env):
    loaded = run_fake_javascript_provider(tmp_path, index_js, **env)
    assert loaded["afterRequire"] == list(FAKE_SUBMODULES)


MAIN_PROBE = """
import json, sys
import main
main.main()
print(json.dumps(sorted(name.split(".")[1] for name in sys.modules
                        if name.startswith("cdktf_cdktf_provider_aws.") and name.count(".") == 1)))
"""
JAVASCRIPT_LOAD = re.compile(r'load "[^"]*/@cdktf/provider-aws/lib/([\w-]+)/index\.js"')


def test_main_loads_only_the_provider_code_its_stacks_use(tmp_path):
    """main.py installs the loader before cdktf starts the jsii kernel: both halves apply."""
    env = {**os.environ, "CDKTF_OUTDIR": str(tmp_path), "NODE_DEBUG": "module"}
    env.pop(EAGER_PROVIDERS_ENV, None)
    result = subprocess.run(
        [sys.executable, "-c", MAIN_PROBE],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    python_modules = set(json.loads(result.stdout.splitlines()[-1]))
    javascript_modules = set(JAVASCRIPT_LOAD.findall(result.stderr))
    assert {"s3_bucket", "eks_cluster"} <= python_modules
    assert "xray_group" not in python_modules
    assert {"s3-bucket", "eks-cluster"} <= javascript_modules
    assert "xray-group" not in javascript_modules


def test_this_test_session_loads_the_providers_lazily():
    """conftest.py installs the loader before any test module imports cdktf."""
    import cdktf_cdktf_provider_aws

    assert isinstance(cdktf_cdktf_provider_aws.__spec__.loader, LazyPackageLoader)
    [jsii_kernel] = [
        variables for variables in child_process_environments() if "JSII_AGENT" in variables
    ]
    assert str(JAVASCRIPT_LOADER) in jsii_kernel["NODE_OPTIONS"]


def child_process_environments() -> list[dict[str, str]]:
    """The environment variables of each process this one started."""
    environments = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            if parent == os.getpid():
                variables = (entry / "environ").read_bytes().split(b"\0")
                environments.append(dict(v.decode().partition("=")[::2] for v in variables if v))
        except OSError:  # the process ended meanwhile
            continue
    return environments


@pytest.fixture(scope="module")
def synth_outputs(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """`python main.py` of each shipped environment, lazy and eager, run side by side."""
    runs = {}
    for environment in SHIPPED_ENVIRONMENTS:
        for mode in ("lazy", "eager"):
            outdir = tmp_path_factory.mktemp(f"{environment}-{mode}")
            env = {**os.environ, "INFRA_ENV": environment, "CDKTF_OUTDIR": str(outdir)}
            env.pop(EAGER_PROVIDERS_ENV, None)
            if mode == "eager":
                env[EAGER_PROVIDERS_ENV] = "1"
            process = subprocess.Popen(
                [sys.executable, "main.py"],
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            runs[environment, mode] = (process, outdir)
    for (environment, mode), (process, _) in runs.items():
        _, stderr = process.communicate(timeout=600)
        assert process.returncode == 0, f"{environment} {mode} synth failed:\n{stderr}"
    return {key: outdir for key, (_, outdir) in runs.items()}


def files_of(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in directory.rglob("*")
        if path.is_file()
    }


@pytest.mark.parametrize("environment", SHIPPED_ENVIRONMENTS)
def test_lazy_synth_writes_the_same_bytes_as_eager_synth(synth_outputs, environment):
    lazy = files_of(synth_outputs[environment, "lazy"])
    eager = files_of(synth_outputs[environment, "eager"])

    assert {f"stacks/{name}/cdk.tf.json" for name in stack_names()} <= set(lazy)
    assert sorted(lazy) == sorted(eager)
    assert [path for path in lazy if lazy[path] != eager[path]] == []
