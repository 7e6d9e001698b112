namespace ZeroShotPK.Pbpk;

/// <summary>How a virtual population is generated.</summary>
public enum PopulationMethod
{
    /// <summary>The table sampler (<see cref="ReferencePopulation"/>).</summary>
    Reference,
    /// <summary>Unconstrained denoising diffusion model trained on the reference.</summary>
    Ddpm,
    /// <summary>Physiologically constrained diffusion model: the same network trained with a physics-informed loss.</summary>
    Pcdm,
}
