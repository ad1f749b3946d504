"""`spiral convert --backend ray`: the same conversion as a Ray Data pipeline.

The images still to do become a dataset of paths; a pool of Ray actors, one per CPU it is
given, each with the agent loaded once, parses them in the local backend's chunks and writes
their outputs (OUT_DIR must be storage every node sees); the outcomes stream back to the
driver, which counts them as the local backend does. Ray Data shows its own progress."""

from __future__ import annotations

from pathlib import Path

from spiral_cli.parsing import convert as local
from spiral_cli.training.ray_backend import import_ray


class ParseWorker:
    """A Ray actor: the job's agent loaded once; each call converts a batch of paths."""

    def __init__(self, job: local.ConvertJob, in_dir: str, out_dir: str):
        local.init_worker(job)
        self.in_dir, self.out_dir = Path(in_dir), Path(out_dir)

    def __call__(self, batch: dict) -> dict:
        """One row per chunk of the local backend: the same images parsed together give the
        same strokes (batched arithmetic differs in its last bits with the batch's make-up)."""
        outcomes = [o for paths in batch["paths"] for o in local.convert_chunk(
            ([Path(p) for p in paths], self.in_dir, self.out_dir))]
        return {"path": [p for p, _ in outcomes], "error": [reason or "" for _, reason in outcomes]}


def convert_on_ray(pending: list[Path], in_dir: Path, out_dir: Path, job: local.ConvertJob, workers: int,
                   address: str | None, summary: local.ConvertSummary, on_progress) -> None:
    """Convert `pending` images on Ray (a local one started here unless `address` names a
    cluster, or Ray is already initialised), adding the outcomes to `summary`."""
    ray = import_ray()
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    if not pending:
        return
    chunks = [[str(p) for p in chunk] for chunk in local.even_chunks(pending, workers, job.quality)]
    parsed = ray.data.from_items([{"paths": chunk} for chunk in chunks]).map_batches(
        ParseWorker, fn_constructor_args=(job, str(in_dir), str(out_dir)), batch_size=1,
        concurrency=max(1, workers), num_cpus=1)
    for row in parsed.iter_rows():
        if row["error"]:
            summary.failed[row["path"]] = row["error"]
        else:
            summary.done.append(row["path"])
        if on_progress:
            on_progress(None, 1)
