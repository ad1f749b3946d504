"""`spiral convert`: a folder of images to stroke programs, in parallel, resumable."""

from __future__ import annotations

import concurrent.futures
import itertools
import math
import multiprocessing
from dataclasses import dataclass, field, replace
from pathlib import Path

from spiral_cli.data.datasets import IMAGE_SUFFIXES
from spiral_cli.errors import SpiralError, UsageError
from spiral_cli.export.files import write_output
from spiral_cli.export.outputs import FORMATS, OutputOptions, encode
from spiral_cli.parsing.agent import resolve_checkpoint
from spiral_cli.parsing.images import DEFAULT_MAX_PIXELS, InkImage, read_image

# glyphs parsed together, at most (the agent's steps and the fit cost little more for a batch than
# for one glyph); each batch's outputs are written as soon as it is done
BATCH = {"fast": 64, "best": 4}
GLYPH_SIDE = 128  # px: larger images are parsed, and written, one by one


@dataclass(frozen=True)
class ConvertJob:
    formats: tuple[str, ...] = ("svg",)
    checkpoint: str | None = None
    quality: str = "fast"
    steps: int | None = None
    seed: int = 0
    max_pixels: int = DEFAULT_MAX_PIXELS
    options: OutputOptions = OutputOptions()
    method: str = "agent"  # or trace, the classic tracer; or mcmc, the scenes baseline
    budget: int = 1000  # mcmc renders per image
    max_strokes: int | None = None
    rdp: float = 0.0  # stroke-3: Douglas-Peucker tolerance in px


# Formats of the whole folder, assembled from every image's JSON program once all are parsed:
# sketch-rnn's stroke-3 (train / valid / test by the images' names, as images:DIR data split)
# and Quick, Draw!'s ndjson (the word: the image's folder under IN_DIR)
COLLECTIONS = {"stroke3": "strokes.npz", "ndjson": "drawings.ndjson"}


@dataclass
class ConvertSummary:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # path -> reason


def find_images(in_dir: Path, recursive: bool = False, pattern: str | None = None) -> list[Path]:
    if not in_dir.is_dir():
        raise UsageError(f"{in_dir}: not a directory")
    if pattern is None:
        candidates = in_dir.rglob("*") if recursive else in_dir.glob("*")
        return sorted(p for p in candidates if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    candidates = in_dir.rglob(pattern) if recursive else in_dir.glob(pattern)
    return sorted(p for p in candidates if p.is_file())


def outputs_for(image: Path, in_dir: Path, out_dir: Path, formats) -> dict[str, Path]:
    relative = image.relative_to(in_dir)
    return {f: (out_dir / relative).with_suffix(f".{f}") for f in formats}


def up_to_date(image: Path, outputs: dict[str, Path]) -> bool:
    """Every output exists and is no older than its image: an interrupted run skips it."""
    stamp = image.stat().st_mtime
    return all(p.is_file() and p.stat().st_mtime >= stamp for p in outputs.values())


BACKENDS = ("local", "ray")


def convert_folder(in_dir: Path, out_dir: Path, job: ConvertJob, workers: int = 2, recursive: bool = False,
                   pattern: str | None = None, on_progress=None, backend: str = "local",
                   address: str | None = None) -> ConvertSummary:
    """Parse every image under in_dir into out_dir (same relative paths, new extensions), in
    local processes or on Ray (`address`: a cluster's, or None for a local Ray).
    `on_progress(total, advanced)` is called as images finish."""
    if backend not in BACKENDS:
        raise UsageError(f"--backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if address is not None and backend != "ray":
        raise UsageError("--address is for --backend ray")
    unknown = set(job.formats) - set(FORMATS) - set(COLLECTIONS)
    if unknown or not job.formats:
        raise UsageError(f"--formats takes a comma-separated list of {', '.join(FORMATS + tuple(COLLECTIONS))}")
    if job.rdp and "stroke3" not in job.formats:
        raise UsageError("--rdp is for --formats stroke3")
    collections = [f for f in job.formats if f in COLLECTIONS]
    if collections:
        if job.method == "mcmc":
            raise UsageError("stroke3 and ndjson are for stroke programs: --method mcmc makes scene programs")
        per_image = tuple(f for f in job.formats if f not in COLLECTIONS)
        job = replace(job, formats=per_image + (() if "json" in per_image else ("json",)))
    summary = _convert_images(in_dir, out_dir, job, workers, recursive, pattern, on_progress, backend, address)
    if collections:
        write_collections(in_dir, out_dir, find_images(in_dir, recursive, pattern), collections, job.rdp)
    return summary


def _convert_images(in_dir: Path, out_dir: Path, job: ConvertJob, workers: int, recursive: bool,
                    pattern: str | None, on_progress, backend: str, address: str | None) -> ConvertSummary:
    if job.checkpoint is not None:
        resolve_checkpoint(job.checkpoint)  # a bad checkpoint is the user's error, not each image's
    images = find_images(in_dir, recursive, pattern)
    summary = ConvertSummary()
    pending = []
    for image in images:
        if up_to_date(image, outputs_for(image, in_dir, out_dir, job.formats)):
            summary.skipped.append(str(image))
        else:
            pending.append(image)
    if on_progress:
        on_progress(len(images), len(summary.skipped))
    if backend == "ray":
        from spiral_cli.parsing.convert_ray import convert_on_ray

        convert_on_ray(pending, in_dir, out_dir, job, workers, address, summary, on_progress)
        return summary
    tasks = [(chunk, in_dir, out_dir) for chunk in even_chunks(pending, workers, job.quality)]
    if workers <= 1 or len(tasks) <= 1:
        init_worker(job)
        results = map(convert_chunk, tasks)
        _collect(results, summary, on_progress)
        return summary
    context = multiprocessing.get_context("spawn")  # libmypaint and torch threads do not survive fork
    with concurrent.futures.ProcessPoolExecutor(workers, mp_context=context, initializer=init_worker,
                                                initargs=(job,)) as pool:
        _collect(pool.map(convert_chunk, tasks), summary, on_progress)
    return summary


def write_collections(in_dir: Path, out_dir: Path, images: list[Path], formats: list[str], rdp: float) -> None:
    """The folder's stroke-3 `.npz` and ndjson from the JSON programs of its images (those
    that failed have none and are left out)."""
    from spiral_cli.data.datasets import file_split
    from spiral_cli.export.stroke_datasets import program_ndjson, program_stroke3, stroke3_bytes
    from spiral_cli.programs.io import load_program

    splits: dict[str, list] = {"train": [], "valid": [], "test": []}
    lines = []
    for image in images:
        program_file = outputs_for(image, in_dir, out_dir, ("json",))["json"]
        if not program_file.is_file():
            continue
        program = load_program(program_file)
        splits[file_split(image)].append(program_stroke3(program, rdp))
        word = image.parent.relative_to(in_dir).as_posix()
        lines.append(program_ndjson(program, image.relative_to(in_dir).with_suffix("").as_posix(), "" if word == "." else word))
    if "stroke3" in formats:
        write_output(out_dir / COLLECTIONS["stroke3"], stroke3_bytes(splits))
    if "ndjson" in formats:
        write_output(out_dir / COLLECTIONS["ndjson"], "".join(line + "\n" for line in lines).encode())


def _collect(results, summary: ConvertSummary, on_progress) -> None:
    for outcomes in results:
        for path, reason in outcomes:
            if reason is None:
                summary.done.append(path)
            else:
                summary.failed[path] = reason
        if on_progress:
            on_progress(None, len(outcomes))


_JOB: ConvertJob | None = None


def even_chunks(items: list, workers: int, quality: str) -> list[list]:
    """The items in chunks of at most a batch, handed to a worker at a time, all of about one
    size in a number the workers share evenly: none waits for another at the end."""
    workers = max(1, workers)
    count = min(len(items), workers * math.ceil(len(items) / (workers * BATCH.get(quality, 1))))
    bounds = [len(items) * k // count for k in range(count + 1)] if count else []
    return [items[a:b] for a, b in itertools.pairwise(bounds)]


def init_worker(job: ConvertJob) -> None:
    global _JOB
    _JOB = job
    settle_worker()


def settle_worker() -> None:
    """One thread per worker process (one process per core), and the pipeline's modules imported
    and moved out of the garbage collector's way: they live as long as the process, and its
    full collections would otherwise walk them again and again (3% of a glyph's time)."""
    import gc

    import torch

    import spiral_cli.parsing.parse  # noqa: F401  (torch, scipy, the tracer and the painter)

    torch.set_num_threads(1)
    gc.freeze()


def convert_chunk(task) -> list[tuple[str, str | None]]:
    """Parse a chunk of images, writing outputs as soon as they are parsed (an interrupted run
    loses only the images in flight): drawings one by one, glyphs a few at a time; bad files
    are reported, not raised."""
    chunk, in_dir, out_dir = task
    size = BATCH.get(_JOB.quality, 1)
    outcomes: list[tuple[str, str | None]] = []
    glyphs: list[tuple[Path, InkImage]] = []
    for path in chunk:
        try:
            image = read_image(path, _JOB.max_pixels)
        except SpiralError as exc:
            outcomes.append((str(path), str(exc)))
            continue
        if max(image.width, image.height) > GLYPH_SIDE:
            outcomes += _convert_batch([(path, image)], in_dir, out_dir)
            continue
        glyphs.append((path, image))
        if len(glyphs) == size:
            outcomes += _convert_batch(glyphs, in_dir, out_dir)
            glyphs = []
    return outcomes + (_convert_batch(glyphs, in_dir, out_dir) if glyphs else [])


def _convert_batch(batch: list[tuple[Path, InkImage]], in_dir: Path, out_dir: Path) -> list[tuple[str, str | None]]:
    from spiral_cli.parsing.parse import parse_read

    job = _JOB
    paths, images = [path for path, _ in batch], [image for _, image in batch]
    try:
        results = parse_read(images, job.checkpoint, job.quality, job.steps, job.seed, job.method, job.budget,
                             job.max_strokes)
    except SpiralError as exc:  # e.g. the checkpoint: every image of the batch fails alike
        return [(str(path), str(exc)) for path in paths]
    outcomes: list[tuple[str, str | None]] = []
    for path, result in zip(paths, results):
        try:
            for format, output in outputs_for(path, in_dir, out_dir, job.formats).items():
                output.parent.mkdir(parents=True, exist_ok=True)
                write_output(output, encode(result.program, format, job.options))
            outcomes.append((str(path), None))
        except (SpiralError, OSError) as exc:
            outcomes.append((str(path), str(exc)))
    return outcomes
