"""The file and folder modules, run for real through LocalExecutor in a temporary folder: inputs
and defaults as AWS documents them, outputs, list-of-entries inputs, failures, awkward paths,
permissions, owners and encodings."""
from __future__ import annotations

import grp
import os
import pwd
import stat

import pytest

import openimagebuilder.toe.modules.files  # noqa: F401 - registers the modules

from .toe_support import busybox_path, failed, module_runner, ok

AWKWARD_NAMES = ["with space", "it's", 'dou"ble', "new\nline", "-dash", "$(touch pwned)", "[br]ack?et"]
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")


@pytest.fixture(params=["sh", "busybox"])
def run(request, tmp_path, tmp_path_factory, monkeypatch):
    """Every test runs twice: with /bin/sh and the system's commands, and with busybox's shell and
    applets alone (a busybox-only target)."""
    if request.param == "sh":
        return module_runner(tmp_path)
    applets = busybox_path(tmp_path_factory.mktemp("busybox"))
    if applets is None:
        pytest.skip("busybox is not installed")
    monkeypatch.setenv("PATH", applets)
    return module_runner(tmp_path, shell=(os.path.join(applets, "sh"),))


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# ---------------------------------------------------------------- CreateFile

def test_create_file_makes_parents_and_overwrites_by_default(run, tmp_path):
    ok(run("CreateFile", {"path": "a/b/c.txt", "content": "one"}))
    assert (tmp_path / "a/b/c.txt").read_text() == "one"
    ok(run("CreateFile", {"path": "a/b/c.txt", "content": "two"}))
    assert (tmp_path / "a/b/c.txt").read_text() == "two"


def test_create_file_without_content_is_empty_and_list_form(run, tmp_path):
    ok(run("CreateFile", [{"path": "./Sample.txt"}, {"path": "Sample1.txt"}]))
    assert (tmp_path / "Sample.txt").read_bytes() == b"" and (tmp_path / "Sample1.txt").exists()


def test_create_file_overwrite_false_fails_on_existing(run, tmp_path):
    (tmp_path / "x").write_text("keep")
    failed(run("CreateFile", {"path": "x", "content": "new", "overwrite": False}), "already exists")
    failed(run("CreateFile", {"path": "x", "content": "new", "overwrite": "false"}), "already exists")
    assert (tmp_path / "x").read_text() == "keep"


def test_create_file_on_a_folder_fails(run, tmp_path):
    (tmp_path / "d").mkdir()
    failed(run("CreateFile", {"path": "d"}), "folder exists")


@pytest.mark.parametrize("written, expected", [("0777", 0o777), ("755", 0o755), ("0640", 0o640),
                                               (755, 0o755), (511, 0o777), (420, 0o644), (644, 0o644),
                                               (400, 0o400), (600, 0o600)])
def test_create_file_permissions(run, tmp_path, written, expected):
    ok(run("CreateFile", {"path": "p", "permissions": written}))
    assert mode(tmp_path / "p") == expected


def test_bad_permissions_fail_before_anything_runs(run, tmp_path):
    failed(run("CreateFile", [{"path": "first"}, {"path": "p", "permissions": "rwx"}]), "permissions")
    failed(run("CreateFile", {"path": "p", "permissions": "0999"}), "permissions")
    assert not (tmp_path / "first").exists()


@needs_root
def test_create_file_owner_and_group(run, tmp_path):
    ok(run("CreateFile", {"path": "o", "owner": "nobody", "group": "daemon"}))
    info = os.stat(tmp_path / "o")
    assert pwd.getpwuid(info.st_uid).pw_name == "nobody" and grp.getgrgid(info.st_gid).gr_name == "daemon"
    ok(run("CreateFile", {"path": "o2", "owner": "65534"}))
    assert os.stat(tmp_path / "o2").st_uid == 65534
    failed(run("CreateFile", {"path": "o3", "owner": "no-such-user-here"}), "Cannot set the owner")


@pytest.mark.parametrize("encoding, codec", [("utf8", "utf-8"), ("UTF-8", "utf-8"), ("utf16", "utf-16-le"),
                                             ("UTF-16", "utf-16-le"), ("utf16-BE", "utf-16-be"),
                                             ("utf-32", "utf-32-le"), ("utf-32-be", "utf-32-be")])
def test_encodings_round_trip(run, tmp_path, encoding, codec):
    text = "Grüße, 世界 🎉\n"
    ok(run("CreateFile", {"path": "e.txt", "content": text, "encoding": encoding}))
    assert (tmp_path / "e.txt").read_bytes() == text.encode(codec)
    ok(run("AppendFile", {"path": "e.txt", "content": "more", "encoding": encoding}))
    result = ok(run("ReadFile", {"path": "e.txt", "encoding": encoding}))
    assert result.outputs == {"content": text + "more"}


def test_unknown_encoding_is_refused(run):
    failed(run("CreateFile", {"path": "x", "encoding": "latin1"}), "encoding", "utf32-BE")


def test_read_file_honours_a_byte_order_mark(run, tmp_path):
    (tmp_path / "be").write_bytes("hi".encode("utf-16"))  # native BOM
    (tmp_path / "bom8").write_bytes(b"\xef\xbb\xbfhi")
    assert ok(run("ReadFile", {"path": "be", "encoding": "utf16"})).outputs["content"] == "hi"
    assert ok(run("ReadFile", {"path": "bom8"})).outputs["content"] == "hi"


# ---------------------------------------------------------------- AppendFile, ReadFile, SetFileEncoding

def test_append_file_needs_an_existing_file(run, tmp_path):
    failed(run("AppendFile", {"path": "missing", "content": "x"}), "does not exist")
    (tmp_path / "f").write_text("a")
    ok(run("AppendFile", {"path": "f"}))
    ok(run("AppendFile", [{"path": "f", "content": "b"}, {"path": "f", "content": "c"}]))
    assert (tmp_path / "f").read_text() == "abc"
    assert os.listdir(tmp_path) == ["f"]


def test_read_file_outputs_prints_and_follows_links(run, tmp_path):
    (tmp_path / "t.txt").write_text("line 1\nline 2\n")
    os.symlink(tmp_path / "t.txt", tmp_path / "link")
    lines: list[str] = []
    assert ok(run("ReadFile", {"path": "link"}, lines=lines)).outputs == {"content": "line 1\nline 2\n"}
    assert lines == []
    ok(run("ReadFile", {"path": "t.txt", "printFileContent": True}, lines=lines))
    assert lines == ["line 1", "line 2"]


def test_read_file_failures(run, tmp_path):
    (tmp_path / "bin").write_bytes(b"\xff\xfe\xfd")
    (tmp_path / "d").mkdir()
    failed(run("ReadFile", {"path": "missing"}), "does not exist")
    failed(run("ReadFile", {"path": "bin"}), "not valid utf-8")
    failed(run("ReadFile", {"path": "d"}), "is a folder")
    failed(run("ReadFile", {}), "Missing required input 'path'")
    failed(run("ReadFile", None), "Missing required field 'inputs'")
    failed(run("ReadFile", ["not a map"]), "map or a list of maps")
    failed(run("ReadFile", {"path": "bin", "printFileContent": "maybe"}), "true or false")


def test_set_file_encoding_converts_from_utf8(run, tmp_path):
    (tmp_path / "f").write_text("äbc", encoding="utf-8")
    ok(run("SetFileEncoding", {"path": "f", "encoding": "UTF-16"}))
    assert (tmp_path / "f").read_bytes() == "äbc".encode("utf-16-le")
    failed(run("SetFileEncoding", {"path": "missing", "encoding": "utf16"}), "does not exist")
    # Not utf-8 any more: a second conversion is refused rather than garbling the file.
    failed(run("SetFileEncoding", {"path": "f", "encoding": "utf32"}), "not valid utf-8")


# ---------------------------------------------------------------- CreateFolder, CreateSymlink

def test_create_folder(run, tmp_path):
    ok(run("CreateFolder", {"path": "/".join([str(tmp_path), "x", "y", ""]), "permissions": "0750"}))
    assert mode(tmp_path / "x/y") == 0o750
    (tmp_path / "x/y/keep").write_text("k")
    ok(run("CreateFolder", {"path": "x/y", "overwrite": True}))
    assert (tmp_path / "x/y/keep").exists()  # an existing folder keeps its contents
    failed(run("CreateFolder", {"path": "x/y", "overwrite": False}), "already exists")
    failed(run("CreateFolder", {"path": "x/y/keep"}), "a file exists")


@needs_root
def test_create_folder_owner(run, tmp_path):
    ok(run("CreateFolder", {"path": "o", "owner": "nobody", "group": "daemon", "permissions": 777}))
    info = os.stat(tmp_path / "o")
    assert info.st_uid == pwd.getpwnam("nobody").pw_uid and info.st_gid == grp.getgrnam("daemon").gr_gid
    assert mode(tmp_path / "o") == 0o777


def test_create_symlink(run, tmp_path):
    (tmp_path / "target.txt").write_text("t")
    (tmp_path / "other.txt").write_text("o")
    ok(run("CreateSymlink", {"path": "links/l", "target": "target.txt"}))
    assert os.readlink(tmp_path / "links/l") == str(tmp_path / "target.txt")
    failed(run("CreateSymlink", {"path": "links/l", "target": "other.txt"}), "already exists", "force")
    ok(run("CreateSymlink", {"path": "links/l", "target": "other.txt", "force": True}))
    assert (tmp_path / "links/l").read_text() == "o"
    failed(run("CreateSymlink", {"path": "l2", "target": "missing"}), "does not exist")
    failed(run("CreateSymlink", {"path": "target.txt", "target": "other.txt", "force": True}), "not a symbolic link")
    failed(run("CreateSymlink", {"path": "x"}), "Missing required input 'target'")


# ---------------------------------------------------------------- DeleteFile, DeleteFolder

def test_delete_file_and_wildcards(run, tmp_path):
    for name in ["a.log", "b.log", ".hidden.log", "keep.txt"]:
        (tmp_path / name).write_text(name)
    (tmp_path / "dir.log").mkdir()
    ok(run("DeleteFile", {"path": "*log"}))
    assert sorted(os.listdir(tmp_path)) == ["dir.log", "keep.txt"]
    ok(run("DeleteFile", {"path": "*.nothing"}))
    failed(run("DeleteFile", {"path": "missing-folder/*.log"}), "does not exist")
    ok(run("DeleteFile", [{"path": "keep.txt"}]))
    failed(run("DeleteFile", {"path": "keep.txt"}), "does not exist")
    failed(run("DeleteFile", {"path": "dir.log"}), "is a folder")
    failed(run("DeleteFile", {"path": "*/x*"}), "only after the last path separator")


def test_delete_folder_needs_force_when_not_empty(run, tmp_path):
    (tmp_path / "d/sub").mkdir(parents=True)
    failed(run("DeleteFolder", {"path": "d"}), "not empty")
    ok(run("DeleteFolder", {"path": "d/sub/"}))
    (tmp_path / "d/f").write_text("x")
    ok(run("DeleteFolder", {"path": "d", "force": True}))
    assert not (tmp_path / "d").exists()
    failed(run("DeleteFolder", {"path": "d"}), "does not exist")
    failed(run("DeleteFolder", {"path": "/", "force": True}), "root folder")


# ---------------------------------------------------------------- ListFiles

def test_list_files(run, tmp_path):
    for name in ["a.log", "b.txt", "sub/c.log", "sub/deeper/d.log"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    files = ok(run("ListFiles", {"path": "."})).outputs["files"]
    assert files == f"{tmp_path}/a.log,{tmp_path}/b.txt"
    files = ok(run("ListFiles", {"path": str(tmp_path) + "/", "fileNamePattern": "*log", "recursive": True})).outputs
    assert files == {"files": f"{tmp_path}/a.log,{tmp_path}/sub/c.log,{tmp_path}/sub/deeper/d.log"}
    assert ok(run("ListFiles", {"path": "sub", "fileNamePattern": "*.txt"})).outputs == {"files": ""}
    failed(run("ListFiles", {"path": "missing"}), "does not exist")
    assert ok(run("ListFiles", {"path": "missing"}, dry_run=True)).outputs == {"files": ""}


# ---------------------------------------------------------------- CopyFile, MoveFile

def test_copy_file_names_and_folders(run, tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src/Sample.txt").write_text("s")
    ok(run("CopyFile", {"source": "src/Sample.txt", "destination": "out/renamed.txt"}))
    ok(run("CopyFile", {"source": "src/Sample.txt", "destination": "out2/"}))
    assert (tmp_path / "out/renamed.txt").read_text() == "s" and (tmp_path / "out2/Sample.txt").read_text() == "s"
    assert (tmp_path / "src/Sample.txt").exists()


def test_copy_file_overwrite_and_wildcards(run, tmp_path):
    (tmp_path / "src").mkdir()
    for name in ["Sample1", "Sample2", "Other"]:
        (tmp_path / "src" / name).write_text(name)
    (tmp_path / "dst").mkdir()
    (tmp_path / "dst/Sample1").write_text("old")
    failed(run("CopyFile", {"source": "src/Sample*", "destination": "dst/", "overwrite": False}), "already exists")
    ok(run("CopyFile", {"source": "src/Sample*", "destination": "dst/"}))
    assert sorted(os.listdir(tmp_path / "dst")) == ["Sample1", "Sample2"]
    assert (tmp_path / "dst/Sample1").read_text() == "Sample1"
    failed(run("CopyFile", {"source": "src/Sample*", "destination": "one-file"}), "must end with '/'")
    failed(run("CopyFile", {"source": "src/Nothing*", "destination": "dst/"}), "No file matches")
    failed(run("CopyFile", {"source": "src/missing", "destination": "dst/"}), "does not exist")
    failed(run("CopyFile", {"source": "src", "destination": "dst/"}), "is a folder")


def test_move_file(run, tmp_path):
    (tmp_path / "a").write_text("a")
    (tmp_path / "b").write_text("b")
    failed(run("MoveFile", {"source": "a", "destination": "b", "overwrite": False}), "already exists")
    ok(run("MoveFile", {"source": "a", "destination": "b"}))
    assert (tmp_path / "b").read_text() == "a" and not (tmp_path / "a").exists()
    (tmp_path / "folder").mkdir()
    ok(run("MoveFile", {"source": "b", "destination": "folder"}))  # an existing folder receives it
    assert (tmp_path / "folder/b").read_text() == "a"


@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_awkward_paths(run, tmp_path, name):
    ok(run("CreateFile", {"path": f"{name}/{name}.txt", "content": name}))
    ok(run("CopyFile", {"source": f"{name}/{name}.txt", "destination": f"copy {name}/"}))
    ok(run("MoveFolder", {"source": f"copy {name}", "destination": f"moved/{name}"}))
    assert (tmp_path / "moved" / name / f"{name}.txt").read_text() == name
    ok(run("SetFilePermissions", {"path": f"{name}/{name}.txt", "permissions": "600"}))
    assert ok(run("ReadFile", {"path": f"{name}/{name}.txt"})).outputs == {"content": name}
    files = ok(run("ListFiles", {"path": "moved", "recursive": True})).outputs["files"]
    assert files == f"{tmp_path}/moved/{name}/{name}.txt"
    ok(run("DeleteFolder", {"path": name, "force": True}))
    assert not (tmp_path / "pwned").exists()


# ---------------------------------------------------------------- CopyFolder, MoveFolder

def _tree(root) -> dict[str, str]:
    return {str(path.relative_to(root)): path.read_text() for path in sorted(root.rglob("*")) if path.is_file()}


def test_copy_folder(run, tmp_path):
    (tmp_path / "SourceFolder/sub").mkdir(parents=True)
    (tmp_path / "SourceFolder/sub/f").write_text("f")
    ok(run("CopyFolder", {"source": "SourceFolder", "destination": "dest/renamed"}))
    ok(run("CopyFolder", {"source": "SourceFolder", "destination": "dest/"}))
    assert _tree(tmp_path / "dest") == {"renamed/sub/f": "f", "SourceFolder/sub/f": "f"}
    (tmp_path / "dest/renamed/stale").write_text("x")
    failed(run("CopyFolder", {"source": "SourceFolder", "destination": "dest/renamed", "overwrite": False}),
           "already exists")
    ok(run("CopyFolder", {"source": "SourceFolder", "destination": "dest/renamed"}))
    assert _tree(tmp_path / "dest/renamed") == {"sub/f": "f"}  # overwrite replaces the folder
    failed(run("CopyFolder", {"source": "SourceFolder", "destination": "SourceFolder/inner"}), "overlap")
    failed(run("CopyFolder", {"source": "missing", "destination": "x"}), "does not exist")


def test_move_folder_with_wildcard(run, tmp_path):
    for name in ["Sample1", "Sample2", "Other"]:
        (tmp_path / "src" / name).mkdir(parents=True)
        (tmp_path / "src" / name / "f").write_text(name)
    (tmp_path / "src/SampleFile").write_text("not a folder")
    ok(run("MoveFolder", {"source": "src/Sample*", "destination": "dst/"}))
    assert _tree(tmp_path / "dst") == {"Sample1/f": "Sample1", "Sample2/f": "Sample2"}
    assert sorted(os.listdir(tmp_path / "src")) == ["Other", "SampleFile"]
    failed(run("MoveFolder", {"source": "src/Other", "destination": "dst/Sample1", "overwrite": False}), "already exists")
    failed(run("MoveFolder", {"source": "src/Other", "destination": "src/Other"}), "overlap")


# ---------------------------------------------------------------- permissions and owners

def test_set_file_and_folder_permissions(run, tmp_path):
    (tmp_path / "d/sub").mkdir(parents=True)
    (tmp_path / "d/sub/f").write_text("x")
    ok(run("SetFilePermissions", {"path": "d/sub/f", "permissions": 766}))
    assert mode(tmp_path / "d/sub/f") == 0o766
    ok(run("SetFolderPermissions", {"path": "d", "permissions": "0700", "recursive": False}))
    assert mode(tmp_path / "d") == 0o700 and mode(tmp_path / "d/sub") != 0o700
    ok(run("SetFolderPermissions", {"path": "d/", "permissions": "0777"}))
    assert {mode(tmp_path / p) for p in ["d", "d/sub", "d/sub/f"]} == {0o777}
    failed(run("SetFilePermissions", {"path": "missing", "permissions": "644"}), "does not exist")
    failed(run("SetFolderPermissions", {"path": "d/sub/f", "permissions": "644"}), "does not exist")
    failed(run("SetFilePermissions", {"path": "d"}), "Missing required input 'permissions'")


@needs_root
def test_set_file_and_folder_owner(run, tmp_path):
    (tmp_path / "d/sub").mkdir(parents=True)
    (tmp_path / "d/sub/f").write_text("x")
    nobody = pwd.getpwnam("nobody")
    ok(run("SetFileOwner", {"path": "d/sub/f", "owner": "nobody"}))
    assert (os.stat(tmp_path / "d/sub/f").st_uid, os.stat(tmp_path / "d/sub/f").st_gid) == (nobody.pw_uid, nobody.pw_gid)
    ok(run("SetFolderOwner", {"path": "d", "owner": "daemon", "group": "nogroup", "recursive": False}))
    assert os.stat(tmp_path / "d").st_uid == pwd.getpwnam("daemon").pw_uid
    assert os.stat(tmp_path / "d/sub").st_uid == 0
    ok(run("SetFolderOwner", {"path": "d", "owner": "daemon"}))
    assert {os.stat(tmp_path / p).st_uid for p in ["d", "d/sub", "d/sub/f"]} == {pwd.getpwnam("daemon").pw_uid}
    failed(run("SetFileOwner", {"path": "d/sub/f", "owner": "no-such-user-here"}), "does not exist")
    failed(run("SetFileOwner", {"path": "d/sub/f", "owner": "nobody", "group": "no-such-group"}), "Cannot set the owner")
    failed(run("SetFolderOwner", {"path": "missing", "owner": "nobody"}), "does not exist")


# ---------------------------------------------------------------- dry runs

def test_dry_run_touches_nothing(run, tmp_path):
    ok(run("CreateFile", {"path": "x", "content": "c"}, dry_run=True))
    ok(run("DeleteFolder", {"path": "missing", "force": True}, dry_run=True))
    assert ok(run("ReadFile", {"path": "missing"}, dry_run=True)).outputs == {"content": ""}
    assert os.listdir(tmp_path) == []
    failed(run("CreateFile", {"path": "x", "overwrite": "perhaps"}, dry_run=True), "true or false")


# ---------------------------------------------------------------- malformed inputs

MY_ACTIONS = ["AppendFile", "CopyFile", "CopyFolder", "CreateFile", "CreateFolder", "CreateSymlink", "DeleteFile",
              "DeleteFolder", "ListFiles", "MoveFile", "MoveFolder", "ReadFile", "SetFileEncoding", "SetFileOwner",
              "SetFilePermissions", "SetFolderOwner", "SetFolderPermissions", "S3Download", "S3Upload", "WebDownload"]
MALFORMED = [None, [], "text", 5, ["text"], [{"path": "a"}, 7], {"path": ["a"]}, {"path": {"a": 1}},
             {"source": ["a"], "destination": "b"}]
# Odd but not necessarily wrong for every module (scalars are read as text): they must not crash.
ODD = [{"path": "a", "source": "a", "owner": [], "destination": {}},
       {"path": 3.5, "source": True, "destination": "b", "permissions": "u+x", "encoding": 8}]


@pytest.mark.parametrize("action", MY_ACTIONS)
@pytest.mark.parametrize("dry_run", [False, True])
def test_malformed_inputs_fail_with_a_message(run, tmp_path, action, dry_run):
    import openimagebuilder.toe.modules.transfer  # noqa: F401 - registers its modules too
    for inputs in MALFORMED:
        result = run(action, inputs, dry_run=dry_run)
        assert not result.succeeded and result.message, (inputs, result)
    for inputs in ODD:
        result = run(action, inputs, dry_run=dry_run)
        assert result.succeeded or result.message
