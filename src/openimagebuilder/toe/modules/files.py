"""AWSTOE's file system operation modules (AWS user guide, "Action modules supported by AWSTOE",
File system operations) for Linux targets. Every check and change on the target is a POSIX sh
script (busybox-compatible) with each path quoted; file contents travel with put_file/get_file
and are encoded and decoded here on the host."""
from __future__ import annotations

import posixpath
import uuid
from dataclasses import dataclass

from . import register
from .common import (
    EntryModule,
    Fields,
    InputError,
    Outputs,
    Step,
    StepFailure,
    base_name,
    nul_separated,
    parent,
    q,
    run_script,
    target_path,
    wildcard_regex,
)

# ---------------------------------------------------------------- encodings

# The "Acceptable values" of AWS's encoding input (case-insensitive). utf16 and utf32 without an
# endianness are little-endian, as AWS documents.
_CODECS = {
    "utf8": "utf-8", "utf-8": "utf-8",
    "utf16": "utf-16-le", "utf-16": "utf-16-le", "utf16-le": "utf-16-le", "utf-16-le": "utf-16-le",
    "utf16-be": "utf-16-be", "utf-16-be": "utf-16-be",
    "utf32": "utf-32-le", "utf-32": "utf-32-le", "utf32-le": "utf-32-le", "utf-32-le": "utf-32-le",
    "utf32-be": "utf-32-be", "utf-32-be": "utf-32-be",
}
_BOMS = {"utf-8": b"\xef\xbb\xbf", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff",
         "utf-32-le": b"\xff\xfe\x00\x00", "utf-32-be": b"\x00\x00\xfe\xff"}
ACCEPTED_ENCODINGS = ("utf8, utf-8, utf16, utf-16, utf16-LE, utf-16-LE, utf16-BE, utf-16-BE, utf32, utf-32,"
                      " utf32-LE, utf-32-LE, utf32-BE, utf-32-BE")


@dataclass(frozen=True)
class Encoding:
    codec: str                 # Python's name
    endian_given: bool         # utf16/utf32 without -LE/-BE may meet a file whose BOM says otherwise

    def encode(self, text: str) -> bytes:
        # Written without a byte order mark: AWS does not document one, and utf-8 files must not get one.
        return text.encode(self.codec)

    def decode(self, data: bytes, path: str) -> str:
        codec = self._codec_for(data)
        bom = _BOMS[codec]
        if data.startswith(bom):
            data = data[len(bom):]
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            raise StepFailure(f"The file {path} is not valid {codec} text.") from None

    def _codec_for(self, data: bytes) -> str:
        if self.endian_given or self.codec == "utf-8":
            return self.codec
        width = self.codec[:6]  # "utf-16" or "utf-32"
        for codec in (f"{width}-be", f"{width}-le"):
            if data.startswith(_BOMS[codec]):
                return codec
        return self.codec


def _encoding(fields: Fields) -> Encoding:
    name = fields.text("encoding", default="utf8")
    assert name is not None
    codec = _CODECS.get(name.lower())
    if codec is None:
        raise InputError(f"Invalid value '{name}' for input 'encoding' of action {fields.action}."
                         f" Acceptable values: {ACCEPTED_ENCODINGS}.")
    return Encoding(codec, endian_given=name.lower().endswith(("-le", "-be")))


# ---------------------------------------------------------------- permissions

# The permission bits people write; see _mode_from_int.
_COMMON_MODES = frozenset({0o777, 0o775, 0o770, 0o755, 0o750, 0o700, 0o711, 0o666, 0o664, 0o660,
                           0o644, 0o640, 0o600, 0o555, 0o550, 0o500, 0o444, 0o440, 0o400})


def _permissions(fields: Fields, *, required: bool) -> int | None:
    value = fields.entry.get("permissions")
    if value is None or value == "":
        if required:
            raise InputError(f"Missing required input 'permissions' for action {fields.action}.")
        return None
    mode = _mode_from_int(value) if isinstance(value, int) and not isinstance(value, bool) else _mode_from_text(value)
    if mode is None:
        raise InputError(f"Invalid value '{value}' for input 'permissions' of action {fields.action}:"
                         " expected octal permissions such as '0755' or '644'.")
    return mode


def _mode_from_text(value: object) -> int | None:
    text = str(value).strip()
    if text.startswith(("0o", "0O")):
        text = text[2:]
    if not text or len(text) > 4 or any(digit not in "01234567" for digit in text):
        return None
    return int(text, 8)


def _mode_from_int(value: int) -> int | None:
    """AWS wants permissions as a string, but its own examples write `permissions: 0777` and
    `permissions: 755` unquoted. Our YAML loader (YAML 1.1) reads 0777 as the octal number 511 and
    755 as the decimal 755, and the text is gone, so both readings are weighed: the digits as
    written (755 -> 0755) and the number as bits (511 -> 0777); the one that is a sensible mode
    wins, and a mode people write wins a tie."""
    as_digits = _mode_from_text(str(value))
    as_bits = value if 0 <= value <= 0o7777 else None
    candidates = [mode for mode in (as_digits, as_bits) if mode is not None]
    if not candidates:
        return None
    sensible = [mode for mode in candidates if _sensible(mode)]
    if len(sensible) == 1:
        return sensible[0]
    if len(sensible) == 2 and as_bits in _COMMON_MODES and as_digits not in _COMMON_MODES:
        return as_bits
    return as_digits if as_digits is not None else as_bits


def _sensible(mode: int) -> bool:
    """No special bits, and group and others get no right the owner lacks (or others one the group lacks)."""
    owner, group, other = (mode >> 6) & 7, (mode >> 3) & 7, mode & 7
    return mode <= 0o777 and group & ~owner == 0 and other & ~group == 0


# ---------------------------------------------------------------- script pieces

def _fail_unless(condition: str, message: str) -> str:
    return f"{condition} || fail {q(message)}\n"


def _attempt(command: str, message: str) -> str:
    """Runs `command`; if it fails, the step fails with `message` and what the command said."""
    return f"out=$({command} 2>&1) || fail {q(message + ':')} \"$out\"\n"


def _ownership_lines(path: str, owner: str | None, group: str | None, *, recursive: bool) -> str:
    if owner:
        return _chown(q(owner + ":" + group) if group else q(owner), path, recursive=recursive)
    if group:
        return _attempt(f"chgrp {'-R ' if recursive else ''}{q(group)} {q(path)}", f"Cannot set the group of {path}")
    return ""


def _chown(owner_spec: str, path: str, *, recursive: bool) -> str:
    """`owner_spec` is shell text, already quoted: it may refer to a variable of the script."""
    return _attempt(f"chown {'-R ' if recursive else ''}{owner_spec} {q(path)}", f"Cannot set the owner of {path}")


def _mode_lines(path: str, mode: int | None, *, recursive: bool = False) -> str:
    if mode is None:
        return ""
    flag = "-R " if recursive else ""
    return _attempt(f"chmod {flag}{mode:o} {q(path)}", f"Cannot set the permissions of {path}")


def _require_file(path: str) -> str:
    return (_fail_unless(f"! [ -d {q(path)} ]", f"{path} is a folder, not a file.")
            + _fail_unless(f"[ -f {q(path)} ]", f"The file {path} does not exist."))


def _require_folder(path: str) -> str:
    return _fail_unless(f"[ -d {q(path)} ]", f"The folder {path} does not exist.")


def _make_folders(path: str) -> str:
    return _attempt(f"mkdir -p {q(path)}", f"Cannot create the folder {path}")


def _listing(step: Step, folder: str) -> list[tuple[str, str]]:
    """(kind, path) of every entry of `folder`, dot files included; kind is "d" (folder, links
    followed), "f" (file) or "o" (anything else)."""
    prefix = q(folder.rstrip("/"))
    script = (_require_folder(folder)
              + f'for e in {prefix}/* {prefix}/.[!.]* {prefix}/..?*; do\n'
              '  [ -e "$e" ] || [ -L "$e" ] || continue\n'
              '  if [ -d "$e" ]; then k=d; elif [ -f "$e" ]; then k=f; else k=o; fi\n'
              "  printf '%s%s\\000' \"$k\" \"$e\"\n"
              'done\n')
    return [(item[0], item[1:]) for item in nul_separated(run_script(step, script).stdout)]


def _matches(step: Step, source: str, kind: str) -> list[str]:
    """The paths `source` names: itself, or the entries of its folder of `kind` that match the
    '*' wildcard of its last part (AWS accepts wildcards only there)."""
    folder, pattern = parent(source), base_name(source)
    if "*" in folder:
        raise InputError("Wildcard characters are accepted only after the last path separator.")
    if "*" not in pattern:
        return [source]
    regex = wildcard_regex(pattern)
    return sorted(path for entry_kind, path in _listing(step, folder)
                  if entry_kind == kind and regex.match(base_name(path)))


def _sources(step: Step, source: str, kind: str) -> list[str]:
    """_matches, failing when a wildcard matches nothing: there is nothing to copy or move."""
    found = _matches(step, source, kind)
    if not found:
        raise StepFailure(f"No {'file' if kind == 'f' else 'folder'} matches {source}.")
    return found


def find_files(step: Step, folder: str, *, recursive: bool) -> list[str]:
    """The regular files in `folder` (and below it when `recursive`), dot files included."""
    folder = folder.rstrip("/") or "/"
    depth = "" if recursive else "-maxdepth 1 "
    script = _require_folder(folder) + f"find {q(folder)} {depth}-type f -exec printf '%s\\000' {{}} +\n"
    return nul_separated(run_script(step, script).stdout)


def path_kinds(step: Step, paths: list[str]) -> list[str | None]:
    """For each path "folder", "file" (anything else that exists) or None, in one script."""
    script = "".join(f"if [ -d {q(path)} ]; then printf 'folder\\000'; elif [ -e {q(path)} ] || [ -L {q(path)} ];"
                     " then printf 'file\\000'; else printf 'none\\000'; fi\n" for path in paths)
    kinds = run_script(step, script).stdout.split("\0")[:len(paths)] if paths else []
    return [None if kind == "none" else kind for kind in kinds]


def path_kind(step: Step, path: str) -> str | None:
    return path_kinds(step, [path])[0]


def make_folders(step: Step, *paths: str) -> None:
    run_script(step, "".join(_make_folders(path) for path in dict.fromkeys(paths)))


def _temporary_beside(path: str) -> str:
    return posixpath.join(parent(path), f".oib-{uuid.uuid4().hex}.tmp")


# ---------------------------------------------------------------- CreateFile, AppendFile, ReadFile, SetFileEncoding

@dataclass(frozen=True)
class CreateFileInput:
    path: str
    content: str
    encoding: Encoding
    owner: str | None
    group: str | None
    permissions: int | None
    overwrite: bool


def _read_create_file(fields: Fields) -> CreateFileInput:
    return CreateFileInput(
        path=fields.path(), content=fields.text("content", default="") or "", encoding=_encoding(fields),
        owner=fields.text("owner"), group=fields.text("group"),
        permissions=_permissions(fields, required=False), overwrite=fields.flag("overwrite", True))


def _create_file(step: Step, entry: CreateFileInput) -> None:
    path = entry.path
    check = _fail_unless(f"! [ -d {q(path)} ]", f"Cannot create the file {path}: a folder exists at that path.")
    if not entry.overwrite:
        check += _fail_unless(f"! [ -e {q(path)} ]", f"The file {path} already exists and overwrite is false.")
    run_script(step, check + _make_folders(parent(path)))
    step.executor.put_file(path, entry.encoding.encode(entry.content))
    # Owner before mode: chown clears set-id bits a mode may have asked for.
    finish = (_ownership_lines(path, entry.owner, entry.group, recursive=False)
              + _mode_lines(path, entry.permissions))
    if finish:
        run_script(step, finish)


@dataclass(frozen=True)
class AppendFileInput:
    path: str
    content: str
    encoding: Encoding


def _read_append_file(fields: Fields) -> AppendFileInput:
    return AppendFileInput(fields.path(), fields.text("content", default="") or "", _encoding(fields))


def _append_file(step: Step, entry: AppendFileInput) -> None:
    path = entry.path
    run_script(step, _require_file(path))
    if not entry.content:
        return
    # The addition travels as a file of its own, so a large target file is never copied whole.
    staged = _temporary_beside(path)
    step.executor.put_file(staged, entry.encoding.encode(entry.content))
    run_script(step, f"out=$(cat {q(staged)} >> {q(path)} 2>&1); status=$?; rm -f {q(staged)}\n"
               f"[ $status = 0 ] || fail {q(f'Cannot append to {path}:')} \"$out\"\n")


def _read_text(step: Step, path: str, encoding: Encoding) -> str:
    run_script(step, _require_file(path))
    return encoding.decode(step.executor.get_file(path), path)


@dataclass(frozen=True)
class ReadFileInput:
    path: str
    encoding: Encoding
    print_content: bool


def _read_read_file(fields: Fields) -> ReadFileInput:
    return ReadFileInput(fields.path(), _encoding(fields), fields.flag("printFileContent", False))


def _read_file(step: Step, entry: ReadFileInput) -> Outputs:
    content = _read_text(step, entry.path, entry.encoding)
    if entry.print_content:
        for line in content.splitlines():
            step.on_output("stdout", line)
    return {"content": content}


@dataclass(frozen=True)
class SetFileEncodingInput:
    path: str
    encoding: Encoding


def _read_set_file_encoding(fields: Fields) -> SetFileEncodingInput:
    return SetFileEncodingInput(fields.path(), _encoding(fields))


def _set_file_encoding(step: Step, entry: SetFileEncodingInput) -> None:
    # AWS: the module converts a file "from utf-8 to a specified encoding".
    text = _read_text(step, entry.path, Encoding("utf-8", endian_given=True))
    step.executor.put_file(entry.path, entry.encoding.encode(text))


# ---------------------------------------------------------------- CreateFolder, CreateSymlink

@dataclass(frozen=True)
class CreateFolderInput:
    path: str
    owner: str | None
    group: str | None
    permissions: int | None
    overwrite: bool


def _read_create_folder(fields: Fields) -> CreateFolderInput:
    return CreateFolderInput(fields.path(), fields.text("owner"), fields.text("group"),
                             _permissions(fields, required=False), fields.flag("overwrite", True))


def _create_folder(step: Step, entry: CreateFolderInput) -> None:
    path = entry.path
    script = _fail_unless(f"[ -d {q(path)} ] || ! [ -e {q(path)} ]",
                          f"Cannot create the folder {path}: a file exists at that path.")
    if not entry.overwrite:
        script += _fail_unless(f"! [ -d {q(path)} ]", f"The folder {path} already exists and overwrite is false.")
    script += (_make_folders(path) + _ownership_lines(path, entry.owner, entry.group, recursive=False)
               + _mode_lines(path, entry.permissions))
    run_script(step, script)


@dataclass(frozen=True)
class CreateSymlinkInput:
    path: str
    target: str
    force: bool


def _read_create_symlink(fields: Fields) -> CreateSymlinkInput:
    return CreateSymlinkInput(fields.path(), fields.path("target"), fields.flag("force", False))


def _create_symlink(step: Step, entry: CreateSymlinkInput) -> None:
    path, target = entry.path, entry.target
    script = _fail_unless(f"[ -e {q(target)} ]", f"The target {target} does not exist.")
    script += f"if [ -L {q(path)} ]; then\n"
    if entry.force:
        script += "  " + _attempt(f"rm -f {q(path)}", f"Cannot replace the link {path}")
    else:
        script += f"  fail {q(f'A symbolic link {path} already exists and force is false.')}\n"
    script += (f"elif [ -e {q(path)} ]; then\n"
               f"  fail {q(f'A file that is not a symbolic link already exists at {path}.')}\n"
               "fi\n")
    script += _make_folders(parent(path)) + _attempt(f"ln -s {q(target)} {q(path)}", f"Cannot create the link {path}")
    run_script(step, script)


# ---------------------------------------------------------------- DeleteFile, DeleteFolder

@dataclass(frozen=True)
class DeleteFileInput:
    path: str


def _read_delete_file(fields: Fields) -> DeleteFileInput:
    return DeleteFileInput(fields.path())


def _delete_file(step: Step, entry: DeleteFileInput) -> None:
    # A wildcard that matches nothing leaves nothing to delete; a named file must exist.
    paths = _matches(step, entry.path, "f")
    if not paths:
        return
    script = ""
    for path in paths:
        script += (_fail_unless(f"! [ -d {q(path)} ]", f"{path} is a folder, not a file.")
                   + _fail_unless(f"[ -e {q(path)} ] || [ -L {q(path)} ]", f"The file {path} does not exist.")
                   + _attempt(f"rm -f {q(path)}", f"Cannot delete {path}"))
    run_script(step, script)


@dataclass(frozen=True)
class DeleteFolderInput:
    path: str
    force: bool


def _read_delete_folder(fields: Fields) -> DeleteFolderInput:
    entry = DeleteFolderInput(fields.path(), fields.flag("force", False))
    if posixpath.normpath(entry.path) in ("/", "//"):
        raise InputError("Refusing to delete the root folder.")
    return entry


def _delete_folder(step: Step, entry: DeleteFolderInput) -> None:
    path = entry.path
    script = _fail_unless(f"! [ -L {q(path.rstrip('/'))} ]", f"{path} is a symbolic link, not a folder.")
    script += _require_folder(path)
    if entry.force:
        script += _attempt(f"rm -rf {q(path)}", f"Cannot delete the folder {path}")
    else:
        script += _fail_unless(f'[ -z "$(ls -A {q(path)})" ]',
                               f"The folder {path} is not empty; set force to true to delete it with its contents.")
        script += _attempt(f"rmdir {q(path)}", f"Cannot delete the folder {path}")
    run_script(step, script)


# ---------------------------------------------------------------- ListFiles

@dataclass(frozen=True)
class ListFilesInput:
    path: str
    pattern: str | None
    recursive: bool


def _read_list_files(fields: Fields) -> ListFilesInput:
    return ListFilesInput(fields.path(), fields.text("fileNamePattern"), fields.flag("recursive", False))


def _list_files(step: Step, entry: ListFilesInput) -> Outputs:
    files = find_files(step, entry.path, recursive=entry.recursive)
    if entry.pattern:
        regex = wildcard_regex(entry.pattern)
        files = [path for path in files if regex.match(base_name(path))]
    return {"files": ",".join(sorted(files))}


# ---------------------------------------------------------------- CopyFile, MoveFile, CopyFolder, MoveFolder

@dataclass(frozen=True)
class TransferInput:
    source: str
    destination: str          # ends with '/' when it names a folder to put the source in
    overwrite: bool


def _read_transfer(fields: Fields) -> TransferInput:
    destination = fields.required_text("destination")
    resolved = target_path(destination, fields.working_directory)
    if destination.endswith("/") and not resolved.endswith("/"):
        resolved += "/"
    return TransferInput(fields.path("source"), resolved, fields.flag("overwrite", True))


def _destination_for(source: str, destination: str) -> str:
    return destination + base_name(source) if destination.endswith("/") else destination


def _several_need_a_folder(sources: list[str], entry: TransferInput) -> None:
    if len(sources) > 1 and not entry.destination.endswith("/"):
        raise StepFailure(f"{entry.source} matches more than one item; the destination must end with '/'.")


def _file_mover(command: str, verb: str):
    def act(step: Step, entry: TransferInput) -> None:
        sources = _sources(step, entry.source, "f")
        _several_need_a_folder(sources, entry)
        script = ""
        for source in sources:
            destination = _destination_for(source, entry.destination)
            script += (f"s={q(source)}; d={q(destination)}\n"
                       + _fail_unless('! [ -d "$s" ]', f"{source} is a folder, not a file.")
                       + _fail_unless('[ -f "$s" ]', f"The source file {source} does not exist.")
                       + _make_folders(parent(destination))
                       # An existing folder at the destination receives the file, as with cp and mv.
                       + 'if [ -d "$d" ]; then d="${d%/}/"' + q(base_name(source)) + "; fi\n"
                       + 'if [ -d "$d" ]; then fail "A folder exists at $d."; fi\n')
            if not entry.overwrite:
                script += 'if [ -e "$d" ]; then fail "The file $d already exists and overwrite is false."; fi\n'
            script += f'out=$({command} "$s" "$d" 2>&1) || fail "Cannot {verb} $s to $d:" "$out"\n'
        run_script(step, script)
    return act


def _folder_mover(command: str, verb: str):
    def act(step: Step, entry: TransferInput) -> None:
        sources = _sources(step, entry.source.rstrip("/") or "/", "d")
        _several_need_a_folder(sources, entry)
        script = ""
        for source in sources:
            destination = _destination_for(source, entry.destination).rstrip("/") or "/"
            _refuse_overlap(source, destination)
            script += (f"s={q(source)}; d={q(destination)}\n"
                       + _fail_unless('[ -d "$s" ]', f"The source folder {source} does not exist.")
                       + 'if [ -e "$d" ] || [ -L "$d" ]; then\n')
            if entry.overwrite:
                # Overwrite replaces the folder: afterwards it holds exactly what the source held.
                script += '  out=$(rm -rf "$d" 2>&1) || fail "Cannot replace $d:" "$out"\n'
            else:
                script += '  fail "The folder $d already exists and overwrite is false."\n'
            script += ("fi\n" + _make_folders(parent(destination))
                       + f'out=$({command} "$s" "$d" 2>&1) || fail "Cannot {verb} $s to $d:" "$out"\n')
        run_script(step, script)
    return act


def _refuse_overlap(source: str, destination: str) -> None:
    # Replacing the destination must never delete the source, nor copy a folder into itself.
    first, second = posixpath.normpath(source), posixpath.normpath(destination)
    if first == second or second.startswith(first.rstrip("/") + "/") or first.startswith(second.rstrip("/") + "/"):
        raise StepFailure(f"The source {source} and the destination {destination} overlap.")


# ---------------------------------------------------------------- SetFile/FolderPermissions, SetFile/FolderOwner

@dataclass(frozen=True)
class PermissionsInput:
    path: str
    permissions: int
    recursive: bool


def _read_permissions(recursive_default: bool | None):
    def read(fields: Fields) -> PermissionsInput:
        mode = _permissions(fields, required=True)
        assert mode is not None
        recursive = fields.flag("recursive", recursive_default) if recursive_default is not None else False
        return PermissionsInput(fields.path(), mode, recursive)
    return read


def _set_permissions(step: Step, entry: PermissionsInput) -> None:
    run_script(step, _require_existing(step.action, entry.path)
               + _mode_lines(entry.path, entry.permissions, recursive=entry.recursive))


@dataclass(frozen=True)
class OwnerInput:
    path: str
    owner: str
    group: str | None
    recursive: bool


def _read_owner(recursive_default: bool | None):
    def read(fields: Fields) -> OwnerInput:
        recursive = fields.flag("recursive", recursive_default) if recursive_default is not None else False
        return OwnerInput(fields.path(), fields.required_text("owner"), fields.text("group"), recursive)
    return read


def _set_owner(step: Step, entry: OwnerInput) -> None:
    script = _require_existing(step.action, entry.path)
    group = entry.group
    if group is None:
        # AWS: without a group, the group becomes the one the user belongs to (the primary group).
        script += f"g=$(id -g {q(entry.owner)} 2>/dev/null) || fail {q(f'The user {entry.owner} does not exist.')}\n"
        owner_spec = f'{q(entry.owner)}:"$g"'
    else:
        owner_spec = q(f"{entry.owner}:{group}")
    run_script(step, script + _chown(owner_spec, entry.path, recursive=entry.recursive))


def _require_existing(action: str, path: str) -> str:
    # The folder modules act on a folder's contents; the file modules accept any existing path.
    if "Folder" in action:
        return _require_folder(path)
    return _fail_unless(f"[ -e {q(path)} ]", f"The file {path} does not exist.")


# ---------------------------------------------------------------- registration

register("CreateFile")(EntryModule(_read_create_file, _create_file))
register("AppendFile")(EntryModule(_read_append_file, _append_file))
register("ReadFile")(EntryModule(_read_read_file, _read_file, dry=lambda entry: {"content": ""}))
register("SetFileEncoding")(EntryModule(_read_set_file_encoding, _set_file_encoding))
register("CreateFolder")(EntryModule(_read_create_folder, _create_folder))
register("CreateSymlink")(EntryModule(_read_create_symlink, _create_symlink))
register("DeleteFile")(EntryModule(_read_delete_file, _delete_file))
register("DeleteFolder")(EntryModule(_read_delete_folder, _delete_folder))
register("ListFiles")(EntryModule(_read_list_files, _list_files, dry=lambda entry: {"files": ""}, join=","))
register("CopyFile")(EntryModule(_read_transfer, _file_mover("cp -p", "copy")))
register("MoveFile")(EntryModule(_read_transfer, _file_mover("mv -f", "move")))
register("CopyFolder")(EntryModule(_read_transfer, _folder_mover("cp -RPp", "copy")))
register("MoveFolder")(EntryModule(_read_transfer, _folder_mover("mv", "move")))
register("SetFilePermissions")(EntryModule(_read_permissions(None), _set_permissions))
register("SetFolderPermissions")(EntryModule(_read_permissions(True), _set_permissions))
register("SetFileOwner")(EntryModule(_read_owner(None), _set_owner))
register("SetFolderOwner")(EntryModule(_read_owner(True), _set_owner))
