"""Scene programs: the objects a scene agent placed on the platform."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

SHAPES = ("sphere", "cube", "cylinder", "capsule")
SIZES = ("small", "medium", "large")
PLATFORM_HALF = 1.0  # the platform spans [-1, 1] x [-1, 1] metres


@dataclass(frozen=True)
class SceneObject:
    shape: str
    position: tuple[float, float]  # metres on the platform; +x right, +y away from the camera
    size: str
    color: tuple[float, float, float]  # RGB in [0, 1]


@dataclass(frozen=True)
class Camera:
    azimuth: float = 90.0  # degrees; 90 looks along +y
    elevation: float = -70.0  # degrees below the horizon
    distance: float = 3.2  # metres from the platform's centre


@dataclass(frozen=True)
class SceneProgram:
    width: int = 64
    height: int = 64
    grid: int = 16
    camera: Camera = field(default_factory=Camera)
    objects: tuple[SceneObject, ...] = ()
    source: dict | None = None

    @property
    def marks(self) -> int:
        return len(self.objects)

    def with_objects(self, objects) -> SceneProgram:
        return replace(self, objects=tuple(objects))


def cell_center(cell: int, grid: int) -> tuple[float, float]:
    """Row-major grid cell -> platform metres; row 0 is the far edge (top of the image)."""
    row, column = divmod(int(cell), grid)
    unit = 2 * PLATFORM_HALF / grid
    return (-PLATFORM_HALF + (column + 0.5) * unit, PLATFORM_HALF - (row + 0.5) * unit)


def cell_of(position: tuple[float, float], grid: int) -> int:
    """The grid cell a platform position lies in."""
    unit = 2 * PLATFORM_HALF / grid
    column = min(grid - 1, max(0, int((position[0] + PLATFORM_HALF) // unit)))
    row = min(grid - 1, max(0, int((PLATFORM_HALF - position[1]) // unit)))
    return row * grid + column
