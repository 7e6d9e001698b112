using TorchSharp;
using TorchSharp.Modules;
using ZeroShotPK.Simulation;
using ZeroShotPK.Torch;
using static TorchSharp.torch;

namespace ZeroShotPK.Models.Baselines;

/// <summary>
/// The neural ODE of <c>NeuralOdePredictor</c> (Inference): K non-negative amount states s (state 0 the depot, state 1
/// the central state read out as concentration) that flow into each other and out of the body,
/// <c>ds/dt = (r(s, z) ⊙ s) M + u(t)</c>, where the first-order rates <c>r = softplus(W2 tanh(W1s s + W1z z + b1) + W2z z + b2)</c>
/// come from a one-hidden-layer network of the state and the individual's latent z (W2z z acts like NLME's etas on
/// log-rates, the hidden layer adds state- and z-dependent shape), M = P − I is a learned
/// routing (P row-stochastic over the other non-depot states and elimination) and u is zero-order input
/// (infusions). Doses enter as impulses into state 0 (oral) or 1 (IV). Read-out: log C = log s1 + c0 + cz·z.
/// A flow form keeps amounts non-negative and makes log C decay linearly at low levels, as in linear PK,
/// while the rate network can bend the kinetics (saturation, time-varying shapes) where the data ask for it.
/// All tensors are float64; parameters are initialised from the given seed, never from torch's global RNG.
/// <para>
/// No operation here takes a temporary <see cref="Scalar"/>: TorchSharp 0.107 turns every number argument (and the
/// implicit alpha of tensor + tensor, the exponent of square()) into a Scalar that nothing keeps alive during the native call, so a garbage
/// collection started by another thread can finalize it mid-call ("Expected false to be true" from c10's
/// Scalar::toDouble, seen when tests ran beside this fit). Constant scalars live in <see cref="TorchScalars"/>.
/// </para>
/// </summary>
internal sealed class NeuralOdeNet : nn.Module
{
    private readonly Parameter w1s, w1z, b1, w2, b2, w2z, routeLogits, c0, cz, logSigma;
    private readonly Tensor routeMask, eye;

    public NeuralOdeNet(int states, int hidden, int latent, double logReadOutOffset, int seed) : base("NeuralOdeNet")
    {
        States = states;
        Latent = latent;
        var rng = new StableRandom(seed);
        Tensor Uniform(int rows, int cols, double bound)
        {
            var data = new double[rows * cols];
            for (int i = 0; i < data.Length; i++) data[i] = (2 * rng.NextDouble() - 1) * bound;
            return tensor(data, [rows, cols], ScalarType.Float64);
        }
        double inBound = 1 / Math.Sqrt(states + latent);
        w1s = new Parameter(Uniform(states, hidden, inBound));
        w1z = new Parameter(Uniform(latent, hidden, inBound));
        b1 = new Parameter(Uniform(1, hidden, inBound).squeeze(0));
        // A small output layer starts the fit close to a linear compartment model with the rates below.
        w2 = new Parameter(Uniform(hidden, states, 0.1 / Math.Sqrt(hidden)));
        // Rates in units of the study's time span: fast depot, slower central, slow extra states.
        var rates = new double[states];
        for (int k = 0; k < states; k++) rates[k] = k == 0 ? 10 : k == 1 ? 3 : 1;
        b2 = new Parameter(tensor(rates.Select(r => Math.Log(Math.Exp(r) - 1)).ToArray(), ScalarType.Float64));
        // Direct path from z to the rates' pre-activations: random effects on the rates, as etas on log-rates in NLME.
        w2z = new Parameter(Uniform(latent, states, 0.3));

        var logits = new double[states * (states + 1)];
        var mask = new double[states * (states + 1)];
        for (int k = 0; k < states; k++)
            for (int j = 0; j <= states; j++)
            {
                bool allowed = j != k && j != 0; // no self-flow; the depot only receives doses
                mask[k * (states + 1) + j] = allowed ? 0 : -1e4;
                logits[k * (states + 1) + j] =
                    k == 0 && j == 1 ? 3 :                 // depot -> central
                    k == 1 && j == states ? 1.5 :          // central -> elimination
                    k >= 2 && j == 1 ? 2 : 0;              // extra -> central
            }
        routeLogits = new Parameter(tensor(logits, [states, states + 1], ScalarType.Float64));
        routeMask = tensor(mask, [states, states + 1], ScalarType.Float64);
        eye = torch.eye(states, dtype: ScalarType.Float64);
        c0 = new Parameter(tensor(logReadOutOffset, ScalarType.Float64));
        cz = new Parameter(Uniform(latent, 1, 0.1));
        logSigma = new Parameter(tensor(Math.Log(0.3), ScalarType.Float64));
        RegisterComponents();
    }

    public int States { get; }
    public int Latent { get; }

    /// <summary>Residual sd of log concentration.</summary>
    public Tensor LogSigma => logSigma;

    /// <summary>Sum of squared rate-network weights (for the L2 penalty).</summary>
    public Tensor WeightNorm2() => SquaredSum(w1s).add(SquaredSum(w1z), TorchScalars.One).add(SquaredSum(w2), TorchScalars.One);

    /// <summary>
    /// Turns the net into a linear compartment model (for tests against closed forms): rates independent of state and z,
    /// routing probabilities <paramref name="routing"/> [K, K+1] (last column elimination), read-out log C = log s1.
    /// </summary>
    internal void SetLinear(double[] rates, double[,] routing)
    {
        using var noGrad = no_grad();
        w1s.zero_(); w1z.zero_(); w2.zero_(); w2z.zero_(); c0.zero_(); cz.zero_();
        b2.copy_(tensor(rates.Select(r => Math.Log(Math.Exp(r) - 1)).ToArray(), ScalarType.Float64));
        var logits = new double[States * (States + 1)];
        for (int k = 0; k < States; k++)
            for (int j = 0; j <= States; j++) logits[k * (States + 1) + j] = Math.Log(Math.Max(routing[k, j], 1e-300));
        routeLogits.copy_(tensor(logits, [States, States + 1], ScalarType.Float64));
    }

    /// <summary>Per-forward constants: the latent part of the first layer, the routing matrix and the read-out offset.</summary>
    public (Tensor Hidden0, Tensor Bias2, Tensor Routing, Tensor ReadOut) Prepare(Tensor z)
    {
        var hidden0 = torch.addmm(b1, z, w1z, 1, 1);
        var bias2 = torch.addmm(b2, z, w2z, 1, 1);
        var p = nn.functional.softmax(routeLogits.add(routeMask, TorchScalars.One), 1);
        var routing = p.narrow(1, 0, States) - eye;
        var readOut = torch.addmm(c0.expand(1), z, cz, 1, 1);
        return (hidden0, bias2, routing, readOut);
    }

    /// <summary>
    /// An upper bound of every first-order rate, per row of z [Bz] (in the time units of the grid), valid for any
    /// state: r_k = softplus(bias2_k + Σ_h a_h w2_hk) with |a_h| ≤ 1 (tanh), so r_k ≤ softplus(bias2_k + Σ_h |w2_hk|).
    /// </summary>
    public double[] RateBound(Tensor bias2)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var bound = bias2.detach().add(w2.detach().abs().sum(0), TorchScalars.One).Softplus();
        return bound.amax([1]).data<double>().ToArray();
    }

    /// <summary>ds/dt for states s [B, K].</summary>
    public Tensor Derivative(Tensor s, Tensor hidden0, Tensor bias2, Tensor routing, Tensor? input)
    {
        var a = torch.addmm(hidden0, s, w1s, 1, 1).tanh();
        var r = torch.addmm(bias2, a, w2, 1, 1).Softplus();
        var ds = (r * s).matmul(routing);
        return input is null ? ds : ds.add(input, TorchScalars.One);
    }

    /// <summary>One classical RK4 step with per-individual step sizes h [B,1] (h2 = h/2, h6 = h/6).</summary>
    public Tensor Rk4Step(Tensor s, Tensor h, Tensor h2, Tensor h6, Tensor hidden0, Tensor bias2, Tensor routing, Tensor? input)
    {
        var k1 = Derivative(s, hidden0, bias2, routing, input);
        var one = TorchScalars.One;
        var k2 = Derivative(s.addcmul(h2, k1, one), hidden0, bias2, routing, input);
        var k3 = Derivative(s.addcmul(h2, k2, one), hidden0, bias2, routing, input);
        var k4 = Derivative(s.addcmul(h, k3, one), hidden0, bias2, routing, input);
        return s.addcmul(h6, k1.add(k2, TorchScalars.Two).add(k3, TorchScalars.Two).add(k4, one), one);
    }

    /// <summary>Sum of squares as x·x (TorchSharp's square() is pow with a temporary Scalar 2).</summary>
    internal static Tensor SquaredSum(Tensor x) => x.mul(x).sum();
}
