"""Non-texture IBSI 1 feature families; importing this package registers them (see ``registry``)."""

from ferrokit.radiomics.features import histogram, ivh, local_intensity, morphology, statistics

__all__ = ["histogram", "ivh", "local_intensity", "morphology", "statistics"]
