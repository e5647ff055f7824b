"""Discovery: which files are submissions and their ids. Ids are stable and symmetric, whatever the order of the
paths on the command line."""

from __future__ import annotations

import itertools

import pytest

from grader.discovery import discover, no_submissions
from grader.errors import UsageError


def touch(path, text="x = 1\n"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def ids(paths):
    return {s.path.name if s.path.parent.name == "batch" else f"{s.path.parent.name}/{s.path.name}": s.id
            for s in discover(paths)}


def test_a_unique_stem_is_the_id(tmp_path):
    files = [touch(tmp_path / "batch" / name) for name in ("alice.py", "bob.ipynb")]
    assert [(s.id, s.path) for s in discover(files)] == [("alice", files[0]), ("bob", files[1])]


def test_files_with_the_same_stem_both_keep_their_extension(tmp_path):
    py, nb = touch(tmp_path / "batch" / "correct.py"), touch(tmp_path / "batch" / "correct.ipynb")
    alone = touch(tmp_path / "batch" / "alone.py")
    for order in itertools.permutations([py, nb, alone]):
        assert ids(list(order)) == {"correct.py": "correct.py", "correct.ipynb": "correct.ipynb", "alone.py": "alone"}
    assert ids([tmp_path / "batch"]) == {"correct.py": "correct.py", "correct.ipynb": "correct.ipynb",
                                         "alone.py": "alone"}


def test_the_same_name_in_two_folders_takes_the_folder_names(tmp_path):
    a, b = touch(tmp_path / "a" / "x.py"), touch(tmp_path / "b" / "x.py")
    for order in ([a, b], [b, a], [tmp_path / "b", tmp_path / "a"]):
        assert ids(order) == {"a/x.py": "a-x.py", "b/x.py": "b-x.py"}


def test_the_same_file_twice_is_graded_once(tmp_path):
    one = touch(tmp_path / "batch" / "one.py")
    assert [s.id for s in discover([one, tmp_path / "batch", one])] == ["one"]


def test_an_id_that_would_clash_with_a_full_name_is_numbered_the_same_way_each_time(tmp_path):
    files = [touch(tmp_path / "batch" / name) for name in ("x.py", "x.ipynb", "x.py.py")]
    first = ids(files)
    assert len(set(first.values())) == 3
    for order in itertools.permutations(files):
        assert ids(list(order)) == first


def test_ids_are_safe_folder_names(tmp_path):
    odd = touch(tmp_path / "batch" / "my answers (final).py")
    hidden_name = touch(tmp_path / "batch" / "summary.json.py")
    got = {s.path.name: s.id for s in discover([odd, hidden_name])}
    assert got == {"my answers (final).py": "my_answers__final_", "summary.json.py": "_summary.json"}


def test_folders_take_only_submissions_directly_inside(tmp_path):
    batch = tmp_path / "batch"
    touch(batch / "a.py"), touch(batch / "B.IPYNB"), touch(batch / "notes.txt"), touch(batch / ".hidden.py")
    touch(batch / "sub" / "deep.py")
    assert sorted(s.id for s in discover([batch])) == ["B", "a"]


def test_a_file_that_is_not_a_submission_is_refused(tmp_path):
    notes = touch(tmp_path / "notes.txt")
    with pytest.raises(UsageError, match=r"notes.txt: not a submission; grade takes .py and .ipynb files"):
        discover([notes])
    with pytest.raises(UsageError, match="no such file or folder"):
        discover([tmp_path / "nope.py"])


def test_no_submissions_says_where_it_looked_and_what_it_found(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    for n in range(7):
        touch(folder / f"n{n}.txt")
    message = str(no_submissions([folder]))
    assert str(folder) in message and ".py and .ipynb" in message
    assert "n0.txt, n1.txt, n2.txt, n3.txt, n4.txt and 2 more" in message


def test_a_folder_s_submissions_keep_their_paths_as_text(tmp_path):
    """A batch keeps every submission while it runs: each holds its path as a string (``file``), and ``path`` makes
    the Path when asked. The folder is listed without a Path per file."""
    files = [touch(tmp_path / "batch" / name) for name in ("b.ipynb", "a.py", "c.PY", ".hidden.py", "notes.txt")]
    (tmp_path / "batch" / "folder.py").mkdir()
    found = discover([tmp_path / "batch"])
    assert [type(s.file) for s in found] == [str, str, str]
    assert [(s.id, s.path) for s in found] == [("a", files[1]), ("b", files[0]), ("c", files[2])]
