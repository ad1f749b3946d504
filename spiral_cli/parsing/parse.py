"""Parsing images into stroke programs, at the images' own resolution.

The pipeline, one module per step: `scale` measures the drawing (kind, line width, working
scale); `tracing` traces its centre lines (the classic baseline, and the agent's warm start);
`windowed` runs the agent window by window (`windows` plans them) over what is still missing;
`stitch` joins strokes that continue one another; `refine` fits positions and widths at
native resolution; `extend` carries strokes' ends on to their lines' ends (on a glyph's
canvas) and drops the stubs that finished them; `prune` drops strokes the render does not
need; `merge` makes one stroke of two drawn side by side; `tone` draws a pencil's
strokes in its grey. An image small enough for one window (a 28 px digit, a 64 px glyph) is
fitted to the agent's canvas whole, as the agent was trained."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from spiral_cli.errors import UsageError
from spiral_cli.painting.calibration import width_of_size
from spiral_cli.painting.painter import Painter, ink, render_program
from spiral_cli.parsing.agent import Agent, shipped_checkpoints
from spiral_cli.parsing.extend import absorb_stubs, extend_ends
from spiral_cli.parsing.images import DEFAULT_MAX_PIXELS, CanvasFit, InkImage, fit_to_canvas, read_image
from spiral_cli.parsing.merge import merge_doubled
from spiral_cli.parsing import photos
from spiral_cli.parsing.painting import paint_picture
from spiral_cli.parsing.prune import prune_strokes, stroke_length
from spiral_cli.parsing.recolour import recolour
from spiral_cli.parsing.refine import refine_program
from spiral_cli.parsing.refine_glyphs import refine_glyphs
from spiral_cli.parsing.refine_native import ITERATIONS, refine_native
from spiral_cli.parsing.scale import Drawing, colourful, measure, working_scale
from spiral_cli.parsing.scenes import parse_scene_images
from spiral_cli.parsing.soften import NOTE as SOFT_PEN_NOTE, soft_edges
from spiral_cli.parsing.stitch import join_strokes
from spiral_cli.parsing.tone import match_tone
from spiral_cli.parsing.windowed import add_missing_strokes
from spiral_cli.programs.model import Action, StrokeProgram
from spiral_cli.tracing.native import trace_program


@dataclass(frozen=True)
class Quality:
    """How hard the agent's canvas is worked on."""

    candidates: int  # proposals per step, the renderer picks (1: the policy's own choice)
    rollouts: int  # per image; the closest render is kept
    grid_refine: bool  # coordinate search of the points on the action grid
    fit_iterations: int  # of the off-grid fit of all glyphs at once
    prune: bool  # drop the strokes the render does not need
    # one proposal per step: None takes each most likely action; a temperature samples near them,
    # which keeps a policy trained by reinforcement from repeating an action that draws nothing
    temperature: float | None = None
    # a glyph the classic tracer re-renders within this relative residual keeps the tracer's
    # strokes without the agent being run on it (None: the agent always runs)
    traced_enough: float | None = None
    second_pass: bool = True  # the agent again over glyphs it left far from their targets

    @property
    def greedy(self) -> bool:
        """Each step takes the policy's most likely action."""
        return self.candidates == 1 and self.temperature is None


QUALITIES = {
    # temperature chosen on training alphabets; traced_enough 0.10 on validation glyphs (300
    # Omniglot, 300 MNIST, 150 kanji and sheep of the training split), against 0.07 before:
    # residual 0.0994 -> 0.0990 on Omniglot (agent skipped on 0.35 -> 0.68 of them, 43 -> 70
    # glyphs/s in one process), MNIST 0.0657 -> 0.0658, kanji 0.0490 -> 0.0492, sheep 0.1170 ->
    # 0.1170; at 0.12 Omniglot 0.1017 for 91 glyphs/s; no second pass: on 100 of them, 0.0848 -> 0.0858 on Omniglot, sheep 0.1004 -> 0.1033, kanji
    # and MNIST within 0.0003, for 2.6 times the glyphs per second on Omniglot
    "fast": Quality(1, 1, False, 5, True, 0.5, traced_enough=0.10, second_pass=False),
    "best": Quality(16, 4, True, 4 * ITERATIONS, False),  # the refinement on the grid already drops them
}
# agent: the whole pipeline; trace: the classic tracer alone (the baseline); trace-refine: the
# pipeline without the agent (so its contribution is measured); mcmc: the scenes baseline
METHODS = ("agent", "trace", "trace-refine", "search", "mcmc")
ONE_WINDOW = 2  # images up to this many canvases on their longer side are parsed in one window
GLYPH_CANVAS = 64  # px: the line-art agents' canvas, for the tracer when no agent is loaded
AGENT_SIZE = 2.0  # brush size (64 px canvas) of the agent's usual line: the working scale matches it
BLANK_PAPER = 0.02  # a colour picture no further than this from white anywhere is a blank page
JOIN_REACH = 3.0  # line widths within which continuing strokes are joined
# px on a 64 px canvas: a glyph that must be resampled is drawn as large as the canvas allows
# (images.FULL_BOX) with lines at most this wide (chosen on training alphabets and digits)
GLYPH_LINE = 5.0
# relative residual on the canvas above which a glyph gets a second pass of the agent (on 180
# training drawings of every source: residual 0.182 -> 0.145, count error 1.383 -> 1.317)
SECOND_PASS = 0.2
# the tracer's strokes are kept within this factor of the agent's residual when they are fewer:
# on 1,000 MNIST validation digits (session 17) 1.2 drew 0.48 of the 2s and 3s in one stroke at a
# residual of 0.0671, 1.5 drew 0.57 and 0.63 (0s 0.98, 6s 0.76, 9s 0.76) at 0.0719, 1.8 0.64 and
# 0.71 at 0.0772; 400 Omniglot validation glyphs 0.0815 at 1.2, 0.0818 at 1.5
FEWER_STROKES_SLACK = 1.5
# a glyph whose agent's strokes, after the fit, re-render more than this many times farther than
# the tracer's is not finished: the tracer's will be kept (on 100 validation glyphs of each
# source the residuals and stroke counts did not change; the agent's glyphs given up: Omniglot
# 0.25, MNIST 0.09, kanji 0.81, sheep 0.61)
GIVE_UP = 1.25
# the agent's raw episode more than this many times farther than the tracer's strokes: the fit
# off the grid is not tried either (on 300 validation glyphs each of Omniglot and MNIST, 30 of
# the 389 the agent ran on; the fit and polish brought 2 of them under the tracer, by 0.03 in
# relative residual summed over all 600)
HOPELESS = 2.0
TRACED_NOTES = {False: "the classic tracer's strokes re-render closer than the agent's: kept them",
                True: "the classic tracer's strokes re-render this glyph closely: the agent was not run on it"}


@dataclass(frozen=True)
class ParseResult:
    image: InkImage
    program: StrokeProgram  # in the input image's pixel frame
    error: float  # per-pixel mean squared ink error of the re-render, at the input's resolution
    relative_residual: float  # error / error of an empty page
    notes: tuple[str, ...] = ()  # one line each: what a user should know about this result

    @property
    def strokes(self) -> int:
        """Continuous pen strokes."""
        return len(self.program.pen_strokes)


def parse_images(agent: Agent, images: list[InkImage], quality: str = "fast", steps: int | None = None,
                 seed: int = 0, drawings: list[Drawing] | None = None,
                 tracer_if_closer: bool = True) -> list[tuple[StrokeProgram, dict]]:
    """Programs (image frame) of images parsed whole on the agent's canvas, with what the
    canvas saw. `fast` is one pass of the agent (sampled close to its most likely actions), a
    short fit off the action grid and pruning; `best` keeps, per image, the best of several
    searched rollouts by reconstruction error, a second pass over what the glyphs it left far
    from their targets still miss, then refines its strokes off the grid against the renderer. With `drawings` (measured),
    a grayscale agent sees each drawing's lines as a pen would draw them: paper tone out,
    a pencil's faint lines at full ink; and, with `tracer_if_closer`, a glyph whose lines the
    classic tracer re-renders closer gets the tracer's strokes (at `fast`, a glyph it
    re-renders closely enough gets them without the agent being run)."""
    lines_art = drawings is not None and draws_lines(agent)
    pen = [as_pen_lines(image, drawing) for image, drawing in zip(images, drawings)] if lines_art else images
    traced = [_traced(image, drawing, lines.ink) for image, drawing, lines in zip(images, drawings, pen)] \
        if lines_art and tracer_if_closer else [None] * len(images)
    enough = QUALITIES[quality].traced_enough
    skipped = [t is not None and enough is not None and t[1] < enough for t in traced]
    results: list = [None] * len(images)
    for index in np.flatnonzero(skipped):
        results[index] = (traced[index][0], {"canvas": agent.env.canvas, "strokes_from": "tracer",
                                             "agent_skipped": True})
    run = [i for i, skip in enumerate(skipped) if not skip]
    if run:
        parsed = _agent_parsed(agent, [pen[i] for i in run], quality, steps, seed,
                               None if drawings is None else [drawings[i] for i in run], [traced[i] for i in run])
        for index, result in zip(run, parsed):
            results[index] = result
    if lines_art:
        results = [_softened(result, original) for result, original in zip(results, images)]
    return results


def _traced(image: InkImage, drawing: Drawing, lines: np.ndarray) -> tuple[StrokeProgram, float]:
    """The classic tracer's program (`--method trace`) and its relative residual against the
    image's `lines` ink drawn as a pen would (what the agent is given)."""
    program, _, _ = parse_drawing(image, drawing, None, "trace")
    return program, native_error(program, lines)[1]


def _agent_parsed(agent: Agent, images: list[InkImage], quality: str, steps: int | None, seed: int,
                  drawings: list[Drawing] | None, traced: list) -> list[tuple[StrokeProgram, dict]]:
    """`parse_images` with the agent: each glyph (a line-art agent's as pen lines) on the
    canvas, then the tracer's program (`traced`) wherever it is closer."""
    largest = [np.inf] * len(images)
    if drawings is not None and draws_lines(agent):
        line = GLYPH_LINE * agent.env.canvas / 64
        largest = [np.inf if d.lines.blank else line / d.lines.width for d in drawings]
    fitted = [fit_to_canvas(image, agent.env.canvas, agent.env.color, most) for image, most in zip(images, largest)]
    targets = np.stack([canvas for canvas, _ in fitted])
    rivals = None if any(t is None for t in traced) else np.array([t[1] for t in traced])
    programs, _, errors = reconstruct(agent, targets, quality, steps, seed, rivals)
    empty = _empty_errors(targets)
    results = []
    for image, (_, fit), program, error, nothing in zip(images, fitted, programs, errors, empty):
        canvas = {"canvas": agent.env.canvas, "scale": fit.scale, "offset": list(fit.offset),
                  "canvas_relative_residual": float(error / max(nothing, 1e-12))}
        results.append((to_image_frame(program, image, fit), canvas))
    return [result if trace is None else _closer_of(result, image, *trace)
            for result, image, trace in zip(results, images, traced)]


def _softened(parsed: tuple[StrokeProgram, dict], image: InkImage) -> tuple[StrokeProgram, dict]:
    """The soft pen's strokes where they re-render closer to the image (`soft_edges`)."""
    program, canvas = parsed
    softened, _, note = soft_edges(program, image.ink)
    return (softened, {**canvas, "soft_pen": True}) if note else parsed


def _closer_of(parsed: tuple[StrokeProgram, dict], lines: InkImage, traced: StrokeProgram, tracers: float
               ) -> tuple[StrokeProgram, dict]:
    """The agent's program unless the classic tracer's (`--method trace`, relative residual
    `tracers` against the lines) re-renders
    closer to the lines the agent was given, or nearly as close in fewer continuous strokes:
    on glyphs of many strokes (kanji, sketches) the agent's episodes miss lines that the tracer
    has, and on digits it lifts the pen where a person would not."""
    program, canvas = parsed
    agents = native_error(program, lines.ink)[1]
    fewer = len(traced.pen_strokes) < len(program.pen_strokes)
    if tracers >= (FEWER_STROKES_SLACK if fewer else 1.0) * agents:
        return parsed
    return traced, {**canvas, "strokes_from": "tracer", "agent_relative_residual": agents}


def parse_canvases(agent: Agent, targets: np.ndarray, quality: str = "fast", steps: int | None = None,
                   seed: int = 0, tracer_if_closer: bool = True) -> tuple[list[StrokeProgram], np.ndarray]:
    """What `spiral parse` makes of canvas-sized grayscale images (N, H, W, 1) uint8, as if
    each were a user's glyph file: programs in the images' frame and their renders
    (`tracer_if_closer=False`: the agent's pipeline alone, never the tracer's strokes)."""
    images = [canvas_image(target) for target in targets]
    drawings = [measure(image) for image in images]
    drawn = [i for i, d in enumerate(drawings) if not d.lines.blank]
    empty = StrokeProgram(targets.shape[2], targets.shape[1], agent.env.brush, "grayscale")
    programs = [empty] * len(images)
    parsed = parse_images(agent, [images[i] for i in drawn], quality, steps, seed, [drawings[i] for i in drawn],
                          tracer_if_closer)
    for index, (program, canvas) in zip(drawn, parsed):
        programs[index] = replace(program, source=canvas)  # what the canvas saw, and whose strokes
    renders = np.stack([render_program(p)[..., :1] if p.strokes else np.full(targets.shape[1:], 255, np.uint8)
                        for p in programs])
    return programs, renders


def canvas_image(canvas: np.ndarray, name: str = "canvas") -> InkImage:
    """A canvas-convention (H, W, 1) uint8 image as a user's image read from a file."""
    gray = canvas[..., 0].astype(np.float32) / 255.0
    return InkImage(name, 1.0 - gray, np.repeat(gray[..., None], 3, axis=-1), False)


def reconstruct(agent: Agent, targets: np.ndarray, quality: str = "fast", steps: int | None = None,
                seed: int = 0, rivals: np.ndarray | None = None) -> tuple[list[StrokeProgram], np.ndarray, np.ndarray]:
    """Programs, renders and squared errors for canvas-sized targets (N, H, W, C) uint8. A colour
    agent's strokes then take the colours that fit the picture best (`recolour`). `rivals`: per
    target, the relative residual of another program that will be kept if closer; a glyph
    left far behind it after the fit is not finished (ends, stubs, pruning, merging)."""
    chosen = QUALITIES[quality]
    candidates, refine, fit_iterations, prune = chosen.candidates, chosen.grid_refine, chosen.fit_iterations, chosen.prune
    best_programs, best_renders, best_errors = None, None, np.full(len(targets), np.inf)
    for rollout in range(chosen.rollouts):
        programs, renders = agent.run(targets, greedy=chosen.greedy, seed=seed + rollout, candidates=candidates,
                                      steps=steps, temperature=chosen.temperature or 1.0)
        errors = _errors(renders, targets)
        if best_programs is None:
            best_programs, best_renders = list(programs), renders.copy()
        for index in np.nonzero(errors < best_errors)[0]:
            best_programs[index], best_renders[index] = programs[index], renders[index]
        best_errors = np.minimum(best_errors, errors)
    if paints(agent):
        best_errors = _recoloured(best_programs, best_renders, targets)
    if draws_lines(agent) and chosen.second_pass:
        best_programs, best_renders = _second_pass(agent, targets, best_programs, best_renders, best_errors, chosen,
                                                   steps, seed + chosen.rollouts)
    if refine:
        for index in range(len(targets)):
            best_programs[index], best_renders[index] = refine_program(best_programs[index], ink(targets[index]))
        if paints(agent):  # moved strokes uncover others: their colours are solved again
            best_errors = _recoloured(best_programs, best_renders, targets)
    if fit_iterations and draws_lines(agent):
        fit = np.flatnonzero(~_left_behind(best_renders, targets, rivals, HOPELESS))
        if len(fit):
            fitted, renders = _fitted_off_grid([best_programs[i] for i in fit], best_renders[fit], targets[fit],
                                               fit_iterations)
            for index, program, render in zip(fit, fitted, renders):
                best_programs[index], best_renders[index] = program, render
    if draws_lines(agent):
        painter = Painter(agent.env.canvas, agent.env.canvas, agent.env.brush)
        behind = _left_behind(best_renders, targets, rivals)
        for index, target in enumerate(targets):
            if behind[index]:
                continue
            program, drawn, target_ink = best_programs[index], ink(best_renders[index][..., 0]), ink(target[..., 0])
            program, drawn = extend_ends(program, target_ink, drawn, painter)
            program, drawn = absorb_stubs(program, target_ink, drawn, painter)
            if prune:
                program, drawn = prune_strokes(program, target_ink, drawn, painter)
            best_programs[index], drawn = merge_doubled(program, target_ink, drawn, painter)
            best_renders[index] = np.round(255.0 * (1.0 - drawn))[..., None].astype(np.uint8)
        best_errors = _errors(best_renders, targets)
    elif refine:
        best_errors = _errors(best_renders, targets)
    return best_programs, best_renders, best_errors


def _left_behind(renders: np.ndarray, targets: np.ndarray, rivals: np.ndarray | None,
                 factor: float | None = None) -> np.ndarray:
    """Glyphs whose relative residual is more than `factor` (default GIVE_UP) times their rival's."""
    if rivals is None:
        return np.zeros(len(targets), bool)
    factor = GIVE_UP if factor is None else factor
    return _errors(renders, targets) > factor * np.asarray(rivals) * np.maximum(_empty_errors(targets), 1e-12)


def _recoloured(programs: list, renders: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Each painting's strokes in the colours that fit its target best, in place; the errors."""
    for index, target in enumerate(targets):
        programs[index], renders[index] = recolour(programs[index], target / np.float32(255))
    return _errors(renders, targets)


def _second_pass(agent: Agent, targets: np.ndarray, programs: list, renders: np.ndarray, errors: np.ndarray,
                 chosen: Quality, steps: int | None, seed: int) -> tuple[list, np.ndarray]:
    """The agent again over each glyph it left too far from its target, its first strokes on
    the canvas, each new stroke drawn only where the renderer says it helps: one episode's
    actions do not reach every stroke of a many-stroked glyph (a kanji, a sheep)."""
    again = np.flatnonzero(errors > SECOND_PASS * np.maximum(_empty_errors(targets), 1e-12))
    if not len(again):
        return programs, renders
    more, canvases = agent.run(targets[again], greedy=chosen.greedy, seed=seed, candidates=chosen.candidates, steps=steps,
                               temperature=chosen.temperature or 1.0, judged=True,
                               context=[list(programs[i].actions) for i in again])
    programs, renders = list(programs), renders.copy()
    for added, canvas, index in zip(more, canvases, again):
        programs[index] = programs[index].with_actions(programs[index].actions + added.actions)
        renders[index] = canvas
    return programs, renders


def draws_lines(agent: Agent) -> bool:
    """A grayscale painting agent: its glyphs are fitted off the grid, pruned, and parsed as line art."""
    return not agent.env.color and agent.config.env == "paint"


def _fitted_off_grid(programs, renders: np.ndarray, targets: np.ndarray, iterations: int):
    """The glyphs' strokes moved off the action grid by the differentiable rasteriser, where
    that brings the real render closer (refine_glyphs); renders back as canvases."""
    kept, kept_ink = refine_glyphs(programs, ink(targets[..., 0]), ink(renders[..., 0]), iterations)
    canvases = np.round(255.0 * (1.0 - kept_ink)).astype(np.uint8)[..., None]
    return kept, canvases


def _errors(renders: np.ndarray, targets: np.ndarray) -> np.ndarray:
    return ((ink(renders) - ink(targets)) ** 2).reshape(len(targets), -1).mean(1)


def _empty_errors(targets: np.ndarray) -> np.ndarray:
    """Each target's error against an empty canvas."""
    return (ink(targets) ** 2).reshape(len(targets), -1).mean(1)


def as_pen_lines(image: InkImage, drawing: Drawing) -> InkImage:
    """The image with its lines' ink scaled to the level of a pen's (the agent was taught on
    pen lines and its pen is opaque: faint lines would be missed or scribbled over)."""
    lines = drawing.lines
    if lines.blank:
        return image
    return replace(image, ink=np.clip(lines.ink / lines.level, 0.0, 1.0).astype(np.float32))


def to_image_frame(program: StrokeProgram, image: InkImage, fit: CanvasFit) -> StrokeProgram:
    """The program moved from the agent's canvas onto the input image's pixels (points
    beyond the image, such as the pen's resting corner, are clipped to its border)."""
    def place(point):
        x, y = fit.to_image(point)
        return (min(max(x, 0.0), image.width), min(max(y, 0.0), image.height))

    def move(action: Action) -> Action:
        return replace(action, start=place(action.start), control=place(action.control), end=place(action.end),
                       size=float(min(action.size / fit.scale, max(image.width, image.height))))
    return replace(program, width=image.width, height=image.height, grid=None,
                   actions=tuple(move(a) for a in program.actions))


def paints(agent: Agent) -> bool:
    """A colour agent paints pictures (coarse to fine when they are larger than its canvas)."""
    return agent.env.color and agent.config.env == "paint"


def paints_whole(image: InkImage, agent: Agent, max_strokes: int | None) -> bool:
    """A picture no larger than the canvas, in one episode's strokes, is painted on one canvas."""
    fits = max(image.width, image.height) <= agent.env.canvas
    return fits and (max_strokes is None or max_strokes <= agent.env.episode_length)


def one_window(image: InkImage, agent: Agent) -> bool:
    return max(image.width, image.height) <= ONE_WINDOW * agent.env.canvas


def parse_drawing(image: InkImage, drawing: Drawing, agent: Agent | None, method: str = "agent",
                  quality: str = "fast", seed: int = 0, on_stage=None, steps: int | None = None) -> tuple[StrokeProgram, dict, np.ndarray | None]:
    """The native-resolution pipeline for one drawing larger than a window (or any drawing,
    with method trace): the program in image px, what the pipeline measured on the way, and
    the ink of the program's render when refinement made one."""
    stage = on_stage or (lambda name: None)
    lines = drawing.lines
    stage("tracing")
    # the refinement calibrates widths for long lines: it starts from sizes made that way
    program = trace_program(image.ink, lines, segment_sizes=method == "trace")
    facts: dict = {"line_width": lines.width}
    if method == "agent":
        scale = working_scale(lines, width_of_size(agent.env.brush, AGENT_SIZE * agent.env.canvas / 64))
        stage("agent windows")
        program = add_missing_strokes(agent, program, lines.ink, scale, quality, seed, lines.width, steps)
        facts["working_scale"] = scale
    if method == "agent" or max(image.width, image.height) > ONE_WINDOW * GLYPH_CANVAS:
        # strokes the windows cut, a textured brush's gaps, a large drawing's fragments; a
        # glyph's tracer has lifted the pen where people do, and joining would undo it (300
        # validation kanji: count error 0.540 without, 0.650 with; Omniglot 0.370, 0.367; sheep
        # 2.261, 2.302; while on the validation line-art set at 288 to 1024 px the tracer drew
        # 2.44 times the true strokes without, 2.33 with, scans 5.93 and 3.25)
        stage("joining strokes")
        program = join_strokes(program, JOIN_REACH * lines.width)
    if method in ("agent", "trace-refine"):
        stage("refining")
        refined, render = refine_native(program, lines.ink, ITERATIONS * (4 if quality == "best" else 1))
        facts["refined"] = refined is not program  # the real renderer had the last word
        stage("merging doubled strokes")
        painter = Painter(image.width, image.height, refined.brush)
        refined, render = merge_doubled(refined, lines.ink, render, painter)
        return refined, facts, render
    return program, facts, None


def cap_strokes(program: StrokeProgram, max_strokes: int) -> StrokeProgram:
    """The `max_strokes` longest continuous strokes, in the program's order."""
    runs = program.pen_strokes
    if len(runs) <= max_strokes:
        return program
    kept = sorted(sorted(range(len(runs)), key=lambda i: -stroke_length(runs[i]))[:max_strokes])
    return program.with_strokes(runs[i] for i in kept)


def picture_error(program: StrokeProgram, rgb: np.ndarray, render: np.ndarray | None = None) -> tuple[float, float]:
    """(mean squared colour error of the re-render, RGB in [0, 1], relative to a white page)."""
    if render is None:
        render = render_program(program).astype(np.float32) / 255.0
    error = float(((render - rgb) ** 2).mean())
    empty = float(((1.0 - rgb) ** 2).mean())
    return error, (error / empty if empty > 1e-12 else 0.0)


def native_error(program: StrokeProgram, target_ink: np.ndarray, render: np.ndarray | None = None) -> tuple[float, float]:
    """(mean squared ink error of the re-render, relative residual) at the image's resolution;
    `render` is the ink of the program's render, when it was made already."""
    if render is None:
        render = ink(render_program(program)[..., 0]) if program.strokes else np.zeros_like(target_ink)
    error = float(((render - target_ink) ** 2).mean())
    empty = float((target_ink ** 2).mean())
    return error, (error / empty if empty > 1e-12 else 0.0)  # a blank page: nothing to miss


def finish(image: InkImage, program: StrokeProgram, source: dict, notes: list[str],
           max_strokes: int | None, render: np.ndarray | None = None) -> ParseResult:
    """Cap, score, and say what a user should know."""
    if max_strokes is not None and len(program.pen_strokes) > max_strokes:
        program, render = cap_strokes(program, max_strokes), None
    scored = picture_error if program.color_mode == "color" else native_error
    error, relative = scored(program, image.rgb if program.color_mode == "color" else image.ink, render)
    if relative > 1.0:
        notes.append(f"the strokes are worse than an empty page (relative residual {relative:.2f})")
    source = {"image": image.path, **source, "reconstruction_error": error, "relative_residual": relative,
              "strokes": len(program.pen_strokes), "worse_than_empty": relative > 1.0, "notes": notes}
    return ParseResult(image, replace(program, source=source), error, relative, tuple(notes))


# a colour agent's proposals per step (fast): the renderer keeps the closest, each in the colours
# that fit the picture under it (parsing/search.py). On 20 validation faces at 64 px in 20
# strokes (a busy machine): 1 (greedy) 0.0349 in 0.19 s a picture, 8 0.0256 in 0.7 s, 16 0.0230
# in 1.1 s; their 4 x 4 mosaic 0.0318, the colour stroke search 0.0150 in 2.4 s
PICTURE_CANDIDATES = 16
# the colour agent's own best (more rollouts, searched steps) painted 20 held-out faces at 64 px
# worse than a 4 x 4 mosaic, in 28 s a picture; the colour stroke search paints them 3 to 4 times
# closer in a few seconds (README, faces)
BEST_PICTURE_NOTE = "--quality best paints pictures with the colour stroke search (--method search), not the agent: it paints them closer"
LINE_ART = ("omniglot", "mnist")  # shipped checkpoints for line art, most general first
COLOUR = ("faces",)


def default_checkpoint(image: InkImage) -> str:
    """A shipped conditional checkpoint for this image: colour pictures go to a colour
    model when one ships, everything else to line art."""
    shipped = set(shipped_checkpoints())
    for name in (COLOUR + LINE_ART) if colourful(image) else LINE_ART:
        if name in shipped:
            return name
    raise UsageError("no shipped checkpoint fits this image; give --checkpoint NAME or a run directory")


def parse_files(paths, checkpoint: str | None = None, quality: str = "fast", steps: int | None = None,
                seed: int = 0, max_pixels: int = DEFAULT_MAX_PIXELS, method: str = "agent", budget: int = 1000,
                max_strokes: int | None = None, on_stage=None) -> list:
    """Read and parse image files (all read first, so a bad file stops the job before any output)."""
    images = [read_image(path, max_pixels) for path in paths]
    return parse_read(images, checkpoint, quality, steps, seed, method, budget, max_strokes, on_stage)


_AGENTS: dict[str, Agent] = {}  # loaded once per process


def load_agent(name: str) -> Agent:
    agent = _AGENTS.get(name) or _AGENTS.setdefault(name, Agent.load(name))
    if not agent.config.conditional:
        raise UsageError(f"{name}: an unconditional checkpoint cannot parse images (use spiral draw)")
    return agent


def parse_read(images: list[InkImage], checkpoint: str | None = None, quality: str = "fast",
               steps: int | None = None, seed: int = 0, method: str = "agent", budget: int = 1000,
               max_strokes: int | None = None, on_stage=None) -> list:
    """Parse images already read: ParseResults for strokes (`method` agent or trace);
    SceneParseResults for a scenes agent or `method` mcmc (the scene baseline, which needs no
    checkpoint). `on_stage(image, stage)` hears where a long parse is."""
    if method == "mcmc":
        return parse_scene_images(images, "mcmc", budget=budget, seed=seed)
    if method not in METHODS:
        raise UsageError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    if method == "trace" and quality != "fast":
        raise UsageError("--quality is for the agent and the refinement: --method trace has neither")
    if method.startswith("trace") and (steps is not None or checkpoint is not None):
        raise UsageError(f"--steps and --checkpoint are for the agent: --method {method} does not use one")
    if method == "search":
        if steps is not None or checkpoint is not None or quality != "fast":
            raise UsageError("--steps, --checkpoint and --quality are for the agent: --method search uses none")
        return [search_picture(image, max_strokes, seed) for image in images]
    results: list = [None] * len(images)
    drawings = [measure(image) for image in images]
    names = [None if method.startswith("trace") else checkpoint or default_checkpoint(image) for image in images]
    whole: dict[str, list[int]] = {}  # checkpoint -> images parsed on one canvas, batched
    for index, (image, drawing, name) in enumerate(zip(images, drawings, names)):
        agent = load_agent(name) if name is not None else None
        if agent is not None and agent.config.env == "scenes":
            results[index] = parse_scene_images([image], "agent", agent, quality, seed=seed, checkpoint=name)[0]
            continue
        notes = _notes(drawing, agent, name)
        source = {"method": method, "checkpoint": name, "quality": quality, "kind": drawing.kind,
                  "light_on_dark": image.inverted}
        painted = agent is not None and paints(agent) and float(np.abs(1.0 - image.rgb).max()) > BLANK_PAPER
        if painted:
            results[index] = painted_picture(agent, name, image, quality, max_strokes, seed, source, notes)
        elif drawing.lines.blank:  # a blank page, or a picture without a line in it
            empty = StrokeProgram(image.width, image.height, "classic/pen", "grayscale")
            results[index] = finish(image, empty, source, notes, max_strokes)
        elif agent is not None and one_window(image, agent):
            whole.setdefault(name, []).append(index)
        else:
            on_image = (lambda stage, path=image.path: on_stage(path, stage)) if on_stage else None
            program, facts, render = parse_drawing(image, drawing, agent, method, quality, seed, on_image, steps)
            program, render, softened = soft_edges(program, image.ink, render)
            program, render, toned = match_tone(program, image.ink, drawing.lines.level, render)
            results[index] = finish(image, program, {**source, **facts}, notes + softened + toned, max_strokes, render)
    for name, chosen in whole.items():
        agent = load_agent(name)
        parsed = parse_images(agent, [images[i] for i in chosen], quality, steps, seed, [drawings[i] for i in chosen])
        for index, (program, canvas) in zip(chosen, parsed):
            source = {"method": method, "checkpoint": name, "quality": quality, "kind": drawings[index].kind,
                      "light_on_dark": images[index].inverted, **canvas}
            program, render, toned = match_tone(program, images[index].ink, drawings[index].lines.level)
            traced = [TRACED_NOTES[bool(canvas.get("agent_skipped"))]] if canvas.get("strokes_from") == "tracer" else []
            traced += [SOFT_PEN_NOTE] if canvas.get("soft_pen") else []
            results[index] = finish(images[index], program, source,
                                    _notes(drawings[index], agent, name) + traced + toned, max_strokes, render)
    if method == "agent" and checkpoint is None:
        results = [_painted_if_photo(image, result, quality, max_strokes, seed) for image, result in zip(images, results)]
    return results


def painted_picture(agent: Agent, name: str, image: InkImage, quality: str, max_strokes: int | None, seed: int,
                    source: dict, notes: list[str]) -> ParseResult:
    """A picture painted by the colour `agent` (whole pictures too: a line-art fit to the
    canvas would shrink them into a margin); at `best`, by the colour stroke search."""
    if quality == "best":
        return search_picture(image, max_strokes, seed, {"checkpoint": name, "quality": quality},
                              [*notes, BEST_PICTURE_NOTE])
    chosen = QUALITIES[quality]
    program, render = paint_picture(agent, image, max_strokes, seed, chosen.temperature, chosen.rollouts,
                                    PICTURE_CANDIDATES)
    return finish(image, program, {**source, "coarse_to_fine": not paints_whole(image, agent, max_strokes),
                                   "candidates": PICTURE_CANDIDATES}, notes, None, render)


def _painted_if_photo(image: InkImage, result, quality: str, max_strokes: int | None, seed: int):
    """The line-art result, or a painting by the shipped colour agent when the picture is a
    photo with little colour that the strokes miss and a short painting is much closer (photos.py)."""
    if not isinstance(result, ParseResult) or result.program.color_mode == "color" or not photos.has_photo_tones(image):
        return result  # (most images stop here, before the checkpoints folder is listed)
    colour = next((name for name in COLOUR if name in shipped_checkpoints()), None)
    if colour is None:
        return result
    drawn = render_program(result.program).astype(np.float32) / 255.0 if result.program.strokes else np.ones_like(image.rgb)
    if photos.relative_error(drawn, image.rgb) <= photos.TRY_ABOVE:
        return result
    agent = load_agent(colour)
    closer, strokes_error, judged = photos.judged_closer(agent, image, drawn, seed, QUALITIES[quality].temperature)
    if not closer:
        return result
    line_art = result.program.source or {}
    source = {"method": "agent", "checkpoint": colour, "quality": quality, "kind": line_art.get("kind"),
              "light_on_dark": image.inverted, "line_art": {"checkpoint": line_art.get("checkpoint"),
                                                            "relative_error": strokes_error, "judge": judged}}
    note = (f"a photo with little colour: painted with {colour} (a short painting came to {judged:.3f} of a white "
            f"page's error, the line-art strokes to {strokes_error:.3f}); --checkpoint "
            f"{line_art.get('checkpoint') or LINE_ART[0]} keeps the strokes")
    painted = painted_picture(agent, colour, image, quality, max_strokes, seed, source, [note])
    return painted if painted.relative_residual < strokes_error else result  # (both of colour error)


def search_picture(image: InkImage, max_strokes: int | None, seed: int, asked: dict | None = None,
                   notes: list[str] | None = None):
    """`--method search`: the colour stroke search paints the picture coarse to fine, as a
    colour agent would (any picture: line art is painted, not traced); `asked`: the checkpoint
    and quality the user asked for, when the search paints in the agent's place."""
    from spiral_cli.tracing.colour_search import ColourSearch

    program, render = paint_picture(ColourSearch(), image, max_strokes, seed)
    source = {"method": "search", "checkpoint": None, "quality": None, **(asked or {}), "kind": measure(image).kind,
              "light_on_dark": image.inverted, "coarse_to_fine": True}
    return finish(image, program, source, list(notes or []), None, render)


def _notes(drawing: Drawing, agent: Agent | None, name: str | None) -> list[str]:
    if drawing.kind == "blank":
        return ["blank image: nothing to draw"]
    if drawing.kind == "colour" and (agent is None or not agent.env.color):
        return [f"a colour picture given to {'the line tracer' if agent is None else 'line-art checkpoint ' + name}:"
                " its strokes follow the picture's lightness only (--method search paints it in colour)"]
    if drawing.kind == "filled":
        return ["filled shapes, not lines: strokes trace their centre lines"]
    return []
