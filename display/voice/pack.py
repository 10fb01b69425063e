"""Voice packs: a folder of WAV clips and a `manifest.json` (clip id → file, text, language,
format), loaded whole and checked against the vocabulary before the first call.

A hall can lay its own recordings over a pack: an overlay folder whose files mirror the pack's
(`vi/call.wav`) or are named by clip id (`vi.phrase.call.wav`), with an optional manifest of
its own. Every problem (missing clip, unreadable file) is collected and reported at once, at
start, so a technician fixes the pack before the hall opens rather than at the first call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from display.voice.audio import PACK_FORMAT, Audio, AudioError, AudioFormat, convert, read_wav
from display.voice.vocabulary import CATALOGUE

MANIFEST = "manifest.json"
PACKS_DIR = Path(__file__).resolve().parent / "pack"
DEFAULT_PACK = "vi-espeak"


class VoicePackError(Exception):
    """A pack that cannot speak every call; `problems` lists each one in plain words."""

    def __init__(self, where: Path | str, problems: list[str]) -> None:
        self.where = str(where)
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"voice pack {where}: {len(problems)} problem(s):\n{listing}")


class FormatModel(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rate: int = Field(ge=8000, le=96000)
    channels: int = Field(default=1, ge=1, le=2)
    sample_width: int = Field(default=2, ge=1, le=4)

    def to_format(self) -> AudioFormat:
        return AudioFormat(self.rate, self.channels, self.sample_width)

    @classmethod
    def of(cls, fmt: AudioFormat) -> FormatModel:
        return cls(rate=fmt.rate, channels=fmt.channels, sample_width=fmt.sample_width)


class ClipEntry(BaseModel):
    model_config = ConfigDict(extra="allow")
    file: str = Field(min_length=1)
    text: str = ""
    language: str = ""
    format: FormatModel | None = None


class Manifest(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = ""
    description: str = ""
    format: FormatModel = Field(default_factory=lambda: FormatModel.of(PACK_FORMAT))
    clips: dict[str, ClipEntry] = Field(default_factory=dict)


def read_manifest(folder: Path) -> Manifest:
    path = folder / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise VoicePackError(folder, [f"no {MANIFEST} in the folder"]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VoicePackError(folder, [f"{MANIFEST} is not valid JSON: {exc}"]) from None
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        problems = [f"{MANIFEST} {'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise VoicePackError(folder, problems) from None


def resolve_pack(name_or_path: str | Path) -> Path:
    """A pack folder from a path, or from the name of a shipped pack ("vi-espeak")."""
    path = Path(name_or_path).expanduser()
    if (path / MANIFEST).is_file():
        return path
    shipped = PACKS_DIR / str(name_or_path)
    if (shipped / MANIFEST).is_file():
        return shipped
    names = sorted(p.parent.name for p in PACKS_DIR.glob(f"*/{MANIFEST}"))
    hint = f"shipped packs: {', '.join(names)}" if names else "no pack is built yet: `make voices`"
    raise VoicePackError(name_or_path, [f"not a voice pack folder (no {MANIFEST}); {hint}"])


@dataclass(frozen=True)
class LoadedClip:
    id: str
    audio: Audio
    text: str
    language: str
    source: Path  # the file it came from (pack or overlay)
    converted_from: AudioFormat | None = None


class VoicePack:
    """Every clip of a pack in memory, in one format, ready to chain."""

    def __init__(self, name: str, root: Path, fmt: AudioFormat,
                 clips: dict[str, LoadedClip]) -> None:
        self.name = name
        self.root = root
        self.format = fmt
        self.clips = clips

    def audio(self, clip_id: str) -> Audio:
        try:
            return self.clips[clip_id].audio
        except KeyError:
            raise VoicePackError(self.root, [_missing(clip_id)]) from None

    def missing(self, required: Iterable[str]) -> list[str]:
        return sorted(set(required) - set(self.clips))

    def check(self, required: Iterable[str]) -> None:
        """Raise `VoicePackError` naming every clip in `required` this pack lacks."""
        missing = self.missing(required)
        if missing:
            raise VoicePackError(self.root, [_missing(c) for c in missing])

    @property
    def total_bytes(self) -> int:
        return sum(len(c.audio.frames) for c in self.clips.values())

    @classmethod
    def load(cls, pack: str | Path, *, overlay: Path | str | None = None,
             required: Iterable[str] | None = None) -> VoicePack:
        """Load a pack (and an overlay of recorded clips), checking every clip now."""
        root = resolve_pack(pack)
        manifest = read_manifest(root)
        fmt = manifest.format.to_format()
        problems: list[str] = []
        if fmt.sample_width != 2:
            problems.append(f"{MANIFEST} format.sample_width: packs are 16-bit (2), "
                            f"not {fmt.sample_width}")
            raise VoicePackError(root, problems)
        entries: dict[str, tuple[Path, ClipEntry]] = {
            cid: (root / e.file, e) for cid, e in manifest.clips.items()
        }
        if overlay is not None:
            entries.update(_overlay_entries(Path(overlay), manifest, problems))
        clips: dict[str, LoadedClip] = {}
        for clip_id, (path, entry) in sorted(entries.items()):
            try:
                audio = read_wav(path)
            except AudioError as exc:
                problems.append(f"clip {clip_id}: {exc}")
                continue
            declared = entry.format.to_format() if entry.format else None
            if declared and declared != audio.format and path.is_relative_to(root):
                problems.append(f"clip {clip_id}: {MANIFEST} says {declared.describe()} "
                                f"but {path.name} is {audio.format.describe()}")
                continue
            if audio.n_frames == 0:
                problems.append(f"clip {clip_id}: {path} holds no sound")
                continue
            original = audio.format
            try:
                audio = convert(audio, fmt)
            except AudioError as exc:
                problems.append(f"clip {clip_id}: {path}: {exc}")
                continue
            clips[clip_id] = LoadedClip(clip_id, audio, entry.text, entry.language, path,
                                        None if original == fmt else original)
        if required is not None:
            problems += [_missing(c, root) for c in sorted(set(required) - set(clips))
                         if c not in entries]
        if problems:
            raise VoicePackError(root, problems)
        return cls(manifest.name or root.name, root, fmt, clips)


def _missing(clip_id: str, root: Path | None = None) -> str:
    spec = CATALOGUE.get(clip_id)
    if spec is None:
        return f"missing clip {clip_id}"
    said = f" saying {spec.text!r}" if spec.text else ""
    return f"missing clip {clip_id}{said} (expected file {spec.file})"


def _overlay_entries(folder: Path, manifest: Manifest,
                     problems: list[str]) -> dict[str, tuple[Path, ClipEntry]]:
    """Clips a hall recorded itself, matched by the pack's file names or by clip id."""
    if not folder.is_dir():
        problems.append(f"recorded clips folder {folder} does not exist")
        return {}
    found: dict[str, tuple[Path, ClipEntry]] = {}
    known = {**{cid: ClipEntry(file=s.file, text=s.text, language=s.language)
                for cid, s in CATALOGUE.items()}, **manifest.clips}
    for clip_id, entry in known.items():
        for candidate in (folder / entry.file, folder / f"{clip_id}.wav"):
            if candidate.is_file():
                found[clip_id] = (candidate, entry.model_copy(update={"format": None}))
                break
    if (folder / MANIFEST).is_file():
        own = read_manifest(folder)
        for clip_id, entry in own.clips.items():
            found[clip_id] = (folder / entry.file, entry)
    if not found:
        problems.append(f"recorded clips folder {folder} holds no clip this pack knows "
                        "(name files like the pack's, e.g. vi/call.wav, or by clip id, "
                        "e.g. vi.phrase.call.wav)")
    return found
