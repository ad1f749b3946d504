"""`vpype spiral IMAGE`: an image's strokes straight into a vpype pipeline.

Installed with the package's `vpype` extra (entry point `vpype.plugins`). One vpype line per
continuous stroke, in drawing order, in the image's pixel frame (vpype's unit is the CSS
pixel); the layer's pen width is the ink width of the strokes' mean brush size."""

from __future__ import annotations

import click
import vpype as vp
import vpype_cli

QUALITIES = ("fast", "best")
METHODS = ("agent", "trace-refine", "trace")


@click.command()
@click.argument("image", type=vpype_cli.PathType(exists=True, dir_okay=False))
@click.option("-c", "--checkpoint", default=None, help="Shipped checkpoint name or run directory (default: chosen for the image).")
@click.option("-q", "--quality", type=click.Choice(QUALITIES), default="fast", show_default=True,
              help="How hard the agent works (best: a few seconds per glyph).")
@click.option("-m", "--method", type=click.Choice(METHODS), default="agent", show_default=True,
              help="agent: the learned agent and refinement; trace: the classic centre-line tracer alone.")
@click.option("-l", "--layer", type=vpype_cli.LayerType(accept_new=True), default=None,
              help="Target layer or 'new'.")
@vpype_cli.global_processor
def spiral(document: vp.Document, image, checkpoint, quality, method, layer) -> vp.Document:
    """Parse IMAGE (a drawing, handwriting, a scan) into pen strokes with spiral.

    Each continuous stroke becomes one line, in the order it is drawn, at the image's own
    pixel coordinates; the page grows to the image's size. The layer's pen width is the ink
    width of the strokes' mean brush size.

    Examples:

        vpype spiral scan.png linesort write plot.svg

        vpype spiral --method trace --layer 2 sketch.png show
    """
    from spiral_cli.errors import UsageError
    from spiral_cli.painting.calibration import width_of_size
    from spiral_cli.parsing.parse import parse_files
    from spiral_cli.programs.polylines import mean_size, stroke_polylines

    try:
        result = parse_files([image], checkpoint if method == "agent" else None, quality, method=method)[0]
    except UsageError as error:
        raise click.BadParameter(str(error)) from None
    program = result.program
    lines = vp.LineCollection([line[:, 0] + 1j * line[:, 1] for line in stroke_polylines(program)])
    size = mean_size(program)
    if size is not None:
        lines.set_property(vp.METADATA_FIELD_PEN_WIDTH, width_of_size(program.brush, size))
    document.add(lines, vpype_cli.single_to_layer_id(layer, document), with_metadata=True)
    document.extend_page_size((float(program.width), float(program.height)))
    return document
