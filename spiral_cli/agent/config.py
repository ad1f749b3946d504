"""Network sizes: a fast CPU default and the paper's size (appendix B, official code)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from spiral_cli.errors import UsageError


@dataclass(frozen=True)
class ModelConfig:
    channels: int = 32  # conv width of the policy encoder
    input_size: int = 32  # observations are average-pooled to this before the convs
    stem_kernel: int = 4  # first conv at input_size (the paper: 5x5 at 64 px, stride 1)
    stem_stride: int = 2
    core_size: int = 8  # strided convs go down to this resolution
    res_blocks: int = 2
    hidden: int = 256  # FC and LSTM width
    embed: int = 16  # embedding of each sampled action component
    location_channels: int = 16
    location_base: int = 4  # location heads are decoded from 4x4 up to the grid
    location_skips: bool = True  # add encoder feature maps to the location heads (beyond the paper)
    location_readout: bool = False  # heads after a location also see the encoder's features there (beyond the paper)
    location_input: bool = False  # the encoder sees the previous action's cells: where the pen is (beyond the paper)
    blind: bool = False  # the agent does not see intermediate canvases
    residual_input: bool = False  # conditional: also see the target's ink not yet drawn (beyond the paper)
    d_channels: int = 16  # discriminator: width of its first conv, doubled per layer
    d_input_size: int = 32
    d_spectral_norm: bool = False  # SPIRAL++: spectral-normalised D with a standard GAN loss

    def to_dict(self) -> dict:
        return asdict(self)


MODEL_PRESETS = {
    "default": ModelConfig(),
    "paper": ModelConfig(
        channels=32, input_size=64, stem_kernel=5, stem_stride=1, res_blocks=8, hidden=256,
        location_channels=32, location_skips=False, d_channels=32, d_input_size=64,
    ),
}


def model_config(name: str, **overrides) -> ModelConfig:
    if name not in MODEL_PRESETS:
        raise UsageError(f"--model must be one of {', '.join(MODEL_PRESETS)}, got {name!r}")
    return replace(MODEL_PRESETS[name], **{k: v for k, v in overrides.items() if v is not None})
