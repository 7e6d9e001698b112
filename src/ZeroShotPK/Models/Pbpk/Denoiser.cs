using TorchSharp.Modules;
using static TorchSharp.torch;
using ZeroShotPK.Torch;

namespace ZeroShotPK.Models.Pbpk;

/// <summary>Denoiser: (x_t, t) to predicted noise; an MLP on [x_t, sinusoidal embedding of t].</summary>
internal sealed class Denoiser : nn.Module<Tensor, Tensor, Tensor>
{
    private const int Embedding = 32;
    // Field and layer names are the state-dict keys of the shipped data/pbpk/generator_*.bin: renaming breaks loading.
    private readonly Sequential _net;

    public Denoiser(int dim, int hidden, int layers) : base("pbpk_denoiser")
    {
        var mods = new List<(string, nn.Module<Tensor, Tensor>)> { ("in", nn.Linear(dim + Embedding, hidden)), ("act0", nn.SiLU()) };
        for (var l = 1; l < layers; l++) { mods.Add(($"h{l}", nn.Linear(hidden, hidden))); mods.Add(($"act{l}", nn.SiLU())); }
        mods.Add(("out", nn.Linear(hidden, dim)));
        _net = nn.Sequential(mods);
        RegisterComponents();
    }

    /// <param name="x">[B, D] noisy standardised vectors.</param>
    /// <param name="t">[B] step index / T in [0, 1].</param>
    public override Tensor forward(Tensor x, Tensor t)
    {
        using var scope = NewDisposeScope();
        var freqs = exp(ScalarOps.Arange(Embedding / 2, float32, x.device).Mul(-Math.Log(1000.0) / (Embedding / 2 - 1)));
        var angle = t.unsqueeze(1).Mul(1000f) * freqs.unsqueeze(0);
        var emb = cat([sin(angle), cos(angle)], 1);
        return _net.forward(cat([x, emb], 1)).MoveToOuterDisposeScope();
    }
}
