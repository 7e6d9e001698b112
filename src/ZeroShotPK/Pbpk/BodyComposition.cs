namespace ZeroShotPK.Pbpk;

/// <summary>
/// The covariate model of <see cref="VolumeModel.AdiposeRemainder"/>: lean tissues and blood follow fat-free mass,
/// brain has no size covariate, Rest follows body weight, adipose is what is left of body weight.
/// </summary>
public static class BodyComposition
{
    /// <summary>
    /// Fat-free mass of an adult man, kg: 9270 W / (6680 + 216 W / H^2), W in kg, H in m (Janmahasatian et al. 2005,
    /// Clin. Pharmacokinet. 44:1051; coefficients as in InsightRX/clinPK calc_ffm, see data/pbpk/README.md). It saturates in W: extra weight at a given height is
    /// mostly fat, which is what lets adipose, as the remainder, carry most of the body-weight variability.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Body weight or height not positive.</exception>
    public static double FatFreeMass(double bodyWeightKg, double heightCm)
    {
        if (!(bodyWeightKg > 0)) throw new ArgumentOutOfRangeException(nameof(bodyWeightKg), bodyWeightKg, "body weight must be > 0 kg.");
        if (!(heightCm > 0)) throw new ArgumentOutOfRangeException(nameof(heightCm), heightCm, "height must be > 0 cm.");
        var h = heightCm / 100;
        return 9270 * bodyWeightKg / (6680 + 216 * bodyWeightKg / (h * h));
    }

    /// <summary>d ln FFM / d ln W at fixed height: 6680 / (6680 + 216 BMI) (0.567 for 73 kg, 176 cm).</summary>
    public static double FatFreeMassWeightElasticity(double bodyWeightKg, double heightCm)
    {
        var h = heightCm / 100;
        return 6680 / (6680 + 216 * bodyWeightKg / (h * h));
    }

    /// <summary>What a tissue's typical mass scales with in <see cref="VolumeModel.AdiposeRemainder"/>.</summary>
    public enum Covariate
    {
        /// <summary>Fat-free mass (lean organs, muscle, skin, bone, blood).</summary>
        FatFreeMass,
        /// <summary>None: brain (McNally et al. 2014 predict it from age only; adults here).</summary>
        None,
        /// <summary>Body weight: Rest (as httk's "other" mass, a fixed share of body weight).</summary>
        BodyWeight,
        /// <summary>Adipose: the remainder of body weight.</summary>
        Remainder,
    }

    /// <summary>Covariate of a tissue (null = blood).</summary>
    public static Covariate CovariateOf(Tissue? tissue) => tissue switch
    {
        Tissue.Brain => Covariate.None,
        Tissue.Rest => Covariate.BodyWeight,
        Tissue.Adipose => Covariate.Remainder,
        _ => Covariate.FatFreeMass,
    };

    /// <summary>
    /// Elasticity of a tissue's typical volume to body weight at the reference individual (null = blood): 1 for every
    /// tissue of a <see cref="VolumeModel.RenormalisedFractions"/> table and for adipose (its range keeps its own CV);
    /// fat-free mass elasticity at fixed height (0.567 for the human reference; height covarying with weight makes the true
    /// slope larger, so ranges built on it are slightly wide), 0 for brain, 1 for Rest.
    /// </summary>
    public static double WeightElasticity(PhysiologyTable table, Tissue? tissue)
    {
        if (table.Height is null) return 1;
        return CovariateOf(tissue) switch
        {
            Covariate.FatFreeMass => FatFreeMassWeightElasticity(table.BodyWeight.Value, table.Height.Value),
            Covariate.None => 0,
            _ => 1,
        };
    }
}
