using ZeroShotPK.Data;
using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Tests.Models;

[Collection(TorchCollection.Name)]
public class AicmetTensorizerTests
{
    private static Individual Ind(string id, params (double T, double V)[] obs) =>
        new(id, [DosingEvent.Oral(0, 100)], obs.Select(o => new Observation(o.T, o.V)));

    private static float[] Data(TorchSharp.torch.Tensor t) => t.data<float>().ToArray();

    [Fact]
    public void PadsWithMasksAndScalesByWhatIsKnownOnly()
    {
        var c1 = Ind("c1", (1, 2), (2, 4), (8, 1));
        var c2 = Ind("c2", (1, 1), (2, 3), (4, 2), (8, 0.5), (24, 0.1));
        var target = Ind("t", (0.5, 1), (1, 3), (6, 50), (12, 1)); // 50 is unrevealed: must not set the scale
        var task = new AicmetTask([c1, c2], [target], [2]);
        using var b = AicmetTensorizer.Build([task]);

        Assert.Equal(new long[] { 1, 3, 5, AicmetTensorizer.TokenFeatures }, b.Tokens.shape);
        Assert.Equal(new float[] { 1, 1, 1, 1, 0, /* c1 */ 1, 1, 1, 0, 0, /* c2 */ 1, 1, 1, 1, 1 }, Data(b.TokenMask));
        Assert.Equal(new float[] { 1, 1, 0, 0, 0 }, Data(b.KnownMask));
        Assert.Equal(new float[] { 1, 1 }, Data(b.ContextMask));
        Assert.Equal(Math.Log(4), b.LogConcentrationScale[0], 12); // max of context and revealed samples
        Assert.Equal(24, b.TimeScale[0]);

        var tok = Data(b.Tokens);
        int F = AicmetTensorizer.TokenFeatures;
        // target token 1: t = 1, value 3, step 0.5
        Assert.Equal(1 / 24f, tok[F + 0], 6);
        Assert.Equal((float)Math.Log(3 / 4.0), tok[F + 1], 6);
        Assert.Equal(0.5f / 24, tok[F + 2], 6);
        // Scored queries are the unrevealed samples 6 h and 12 h.
        Assert.Equal(new float[] { 0, 0, 1, 1 }, Data(b.ObservedMask));
        Assert.Equal((float)Math.Log(50 / 4.0), Data(b.QueryValue)[2], 5);
        // Anchor = last revealed sample (t = 1, value 3), 2 revealed.
        Assert.Equal(new float[] { 1, 1 / 24f, (float)Math.Log(3 / 4.0), 2 / 6f }, Data(b.Anchor));
    }

    [Fact]
    public void BlqSamplesAreCensoredAtTheirLimitNotFedAsValues()
    {
        var obs = new[] { new Observation(1, 2), new Observation(2, 1), new Observation(24, 0, Lloq: 0.05, IsBlq: true) };
        var ctx = new Individual("c", [DosingEvent.Bolus(0, 10)], obs);
        var target = new Individual("t", [DosingEvent.Bolus(0, 10)], obs);
        using var b = AicmetTensorizer.Build([new AicmetTask([ctx], [target], [1])]);
        var tok = Data(b.Tokens);
        int F = AicmetTensorizer.TokenFeatures;
        int ctxBlq = (1 * 3 + 2) * F; // slot 1 (context), sample 2
        Assert.Equal(0f, tok[ctxBlq + 1]);
        Assert.Equal(1f, tok[ctxBlq + 3]);
        Assert.Equal((float)Math.Log(0.05 / 2), tok[ctxBlq + 4], 6);
        Assert.Equal(new float[] { 0, 1, 0 }, Data(b.ObservedMask));
        Assert.Equal(new float[] { 0, 0, 1 }, Data(b.CensoredMask));
        Assert.Equal((float)Math.Log(0.05 / 2), Data(b.QueryValue)[2], 6);
    }

    [Fact]
    public void DoseFeaturesAddUpPastDosesAndDescribeTheLastOne()
    {
        var doses = new[] { DosingEvent.Oral(0, 100), DosingEvent.Oral(12, 50), DosingEvent.Infusion(20, 80, 2) };
        var s = new AicmetTensorizer.Scales(Time: 24, Concentration: 1, Amount: 100, Floor: 0.01);
        var f = new float[AicmetTensorizer.DoseFeatures];
        AicmetTensorizer.WriteDoseFeatures(doses, 13, s, f);
        Assert.Equal(new float[] { 1, 1 / 24f, 0.5f, 1, 0, 0, 1, (float)Math.Log(3) }, f[..8]);
        Assert.Equal(Math.Exp(-13.0 / 24) + 0.5 * Math.Exp(-1.0 / 24), f[8], 5);
        Assert.Equal(Math.Exp(-64 * 13.0 / 24) + 0.5 * Math.Exp(-64 * 1.0 / 24), f[11], 5);
        // Half-way through the infusion: half of its 80 delivered.
        AicmetTensorizer.WriteDoseFeatures(doses, 21, s, f);
        Assert.Equal(new float[] { 1, 1 / 24f, 0.8f, 0, 0, 1, 0.5f, (float)Math.Log(4) }, f[..8]);
        Assert.Equal(Math.Exp(-21.0 / 24) + 0.5 * Math.Exp(-9.0 / 24) + 0.4 * Math.Exp(-1.0 / 24), f[8], 5);
        // Before any dose everything is zero.
        AicmetTensorizer.WriteDoseFeatures([DosingEvent.Oral(5, 100)], 1, s, f);
        Assert.All(f, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void TaskWithNothingToScaleIsRejectedWithAClearMessage()
    {
        var target = Ind("t", (1, 2), (2, 1));
        var ex = Assert.Throws<ArgumentException>(() => AicmetTensorizer.Build([new AicmetTask([], [target], [0])]));
        Assert.Contains("needs at least one positive concentration", ex.Message);
        var bad = Assert.Throws<ArgumentException>(() => new AicmetTask([], [target], [3]));
        Assert.Contains("known count 3 outside 0..2", bad.Message);
    }
}
