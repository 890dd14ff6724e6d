"""Finding the files no row points to any more, through Django's storage API only: the files
may be on S3, where a folder is only a prefix (`exists(folder)` is False there)."""

from collections.abc import Callable, Iterable, Iterator

CHUNK = 500


def stored_names(storage, folder: str, *, suffix: str = "",
                 skip: Iterable[str] = ()) -> Iterator[str]:
    """Every file under `folder` (ending with `suffix`), sub-folders included but `skip`."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:  # a local storage where nothing was ever stored
        return
    for name in files:
        if name.endswith(suffix):
            yield f"{folder}/{name}"
    for directory in directories:
        path = f"{folder}/{directory}"
        if path not in skip:
            yield from stored_names(storage, path, suffix=suffix, skip=skip)


def orphans_remove(storage, names: Iterable[str], *,
                   referenced: Callable[[list[str]], set[str]], cutoff) -> list[str]:
    """Delete the files of `names` that no row points to (`referenced(chunk)`: those of the
    chunk some row points to) and that were stored before `cutoff`; the names deleted.
    The rows first, then the age of only the files no row points to: on S3 each age is a
    request, and almost every stored file is a row's. The age spares a writer that has stored
    its file and not yet written its row."""
    names = list(names)
    removed = []
    for start in range(0, len(names), CHUNK):
        chunk = names[start:start + CHUNK]
        kept = referenced(chunk)
        for name in chunk:
            if name not in kept and storage.get_modified_time(name) < cutoff:
                storage.delete(name)
                removed.append(name)
    return removed
