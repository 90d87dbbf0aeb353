"""Set one scalar of a YAML file in place, leaving every other byte of the file as it was.

ruamel.yaml parses the file into its node tree, which records where each scalar starts and
ends in the text; only that span is replaced, keeping the scalar's quoting style. Comments,
key order, blank lines and indentation are therefore untouched, which a full re-dump does not
guarantee. The result is parsed again and compared with the expected data before it is written.
"""

from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, ScalarNode


class ValuesFileError(Exception):
    """The file cannot be edited as asked: missing, not YAML, or without the key."""


def set_scalar(path: str | Path, dotted_key: str, new_value: str) -> bool:
    """Set `dotted_key` (e.g. "image.tag") of the YAML file at `path` to the string `new_value`.

    Returns True when the file changed, False when the key already held that value.
    """
    path = Path(path)
    text = _read(path)
    key_node, value_node = _find(text, path, dotted_key)
    if value_node.value == new_value and value_node.tag.endswith(":str"):
        return False

    updated = _replace_scalar(text, key_node, value_node, new_value)
    _check_only_the_key_changed(text, updated, dotted_key.split("."), new_value, path)
    with path.open("w", encoding="utf-8", newline="") as stream:
        stream.write(updated)
    return True


MAX_BYTES = 1024 * 1024


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ValuesFileError(f"{path}: larger than {MAX_BYTES} bytes; not a values file")
        with path.open(encoding="utf-8", newline="") as stream:
            return stream.read()
    except FileNotFoundError:
        raise ValuesFileError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise ValuesFileError(f"{path}: not UTF-8") from None
    except OSError as error:
        raise ValuesFileError(f"{path}: cannot be read: {error.strerror}") from None


def current_scalar(path: str | Path, dotted_key: str) -> str:
    """The value at `dotted_key` of the YAML file at `path`, as text."""
    path = Path(path)
    return scalar_in_text(_read(path), path, dotted_key)


def scalar_in_text(text: str, path: str | Path, dotted_key: str) -> str:
    """The value at `dotted_key` of the YAML `text` (read from `path`), as text."""
    return _find(text, Path(path), dotted_key)[1].value


def _find(text: str, path: Path, dotted_key: str) -> tuple[ScalarNode, ScalarNode]:
    """The key node and the scalar value node at `dotted_key`."""
    try:
        for event in YAML(typ="rt").parse(text):
            if isinstance(event, AliasEvent) or getattr(event, "anchor", None):
                raise ValuesFileError(
                    f"{path}: YAML anchors and aliases are not supported here; write the values out"
                )
        node = YAML(typ="rt").compose(text)
    except YAMLError as error:
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ValuesFileError(f"{path}: not a single valid YAML document: {problem}") from None
    except RecursionError:
        raise ValuesFileError(f"{path}: nested too deep to be a values file") from None

    walked = []
    key_node = None
    for part in dotted_key.split("."):
        if not isinstance(node, MappingNode):
            raise ValuesFileError(f"{path}: {'.'.join(walked) or 'the document'} is not a mapping")
        matches = [(key, value) for key, value in node.value if key.value == part]
        walked.append(part)
        if not matches:
            raise ValuesFileError(f"{path}: key {'.'.join(walked)} not found")
        if len(matches) > 1:
            raise ValuesFileError(f"{path}: key {'.'.join(walked)} appears more than once")
        key_node, node = matches[0]

    if not isinstance(node, ScalarNode) or node.style in ("|", ">"):
        raise ValuesFileError(f"{path}: {dotted_key} is not a single-line scalar")
    return key_node, node


def _replace_scalar(text: str, key_node: ScalarNode, value_node: ScalarNode, new_value: str) -> str:
    """The text with the value node's span replaced by `new_value` in the same quoting style."""
    if value_node.style in ('"', "'"):
        rendered = f"{value_node.style}{new_value}{value_node.style}"
    elif isinstance(YAML(typ="safe").load(new_value), str):
        rendered = new_value
    else:
        # A plain 1234567 or true would be read back as a number or a boolean.
        rendered = f'"{new_value}"'

    start, end = value_node.start_mark.index, value_node.end_mark.index
    if value_node.value == "" and value_node.style is None:
        # `key:` with no value: the node has no span of its own; write after the colon.
        start = end = text.index(":", key_node.end_mark.index) + 1
        rendered = f" {rendered}"
    return text[:start] + rendered + text[end:]


def _check_only_the_key_changed(
    original: str, updated: str, keys: list[str], new_value: str, path: Path
) -> None:
    safe = YAML(typ="safe")
    expected = safe.load(original)
    target = expected
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = new_value
    if safe.load(updated) != expected:
        raise ValuesFileError(
            f"{path}: editing {'.'.join(keys)} in place would change other values; edit it by hand"
        )


def environment_values_name(environment: str) -> str:
    """The name of `environment`'s values file in the chart: `values-<environment>.yaml`,
    which the Argo CD Application layers over the chart's `values.yaml` and in which the
    environment's image tag lives."""
    return f"values-{environment}.yaml"


def environment_values_file(chart_path: str, environment: str) -> str:
    """`environment`'s values file, relative to the repository, in the chart at `chart_path`."""
    return f"{chart_path.rstrip('/')}/{environment_values_name(environment)}"
