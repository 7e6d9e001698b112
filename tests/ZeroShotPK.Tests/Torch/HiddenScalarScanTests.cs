using Mono.Cecil;
using TorchSharp;
using static TorchSharp.torch;

namespace ZeroShotPK.Tests.Torch;

/// <summary>
/// The banned-API analyzer sees only Scalar conversions written in our code. TorchSharp methods that take plain numbers
/// (or none) and build a Scalar inside — square() is pow(2), softplus passes beta and threshold — race with the
/// Scalar finalizer in the same way. This scan reads TorchSharp's IL, finds every method that converts to Scalar
/// (directly or through other TorchSharp methods), and fails if our assemblies call one, or construct a module whose
/// forward does.
/// </summary>
public sealed class HiddenScalarScanTests
{
    private static readonly Lazy<HashSet<string>> Unsafe = new(FindScalarMakingMethods);

    [Theory]
    [InlineData("ZeroShotPK")]
    [InlineData("zspk")]
    public void OurAssemblies_CallNoTorchSharpMethodThatMakesAHiddenScalar(string assemblyName)
    {
        var path = Path.Combine(AppContext.BaseDirectory, assemblyName + ".dll");
        var offenders = CallsIntoUnsafe(path);
        Assert.True(offenders.Count == 0,
            "TorchSharp calls that create a Scalar inside (ban them in src/BannedSymbols.txt and add a ZeroShotPK.Torch.ScalarOps replacement):\n"
            + string.Join("\n", offenders));
    }

    [Fact]
    public void Scan_FindsKnownHiddenScalarMethods()
    {
        // square() is pow(Scalar 2) and softplus(beta, threshold) converts both doubles: the reason they are banned.
        Assert.Contains(Unsafe.Value, m => m.EndsWith("torch/Tensor::square()", StringComparison.Ordinal));
        Assert.Contains(Unsafe.Value, m => m.Contains("nn/functional::softplus(", StringComparison.Ordinal));
        // addmm hands beta and alpha to libtorch as floats: no Scalar, so it must not be flagged.
        Assert.DoesNotContain(Unsafe.Value, m => m.Contains("torch/Tensor::addmm(", StringComparison.Ordinal));
    }

    [Fact]
    public void Scan_FlagsTheDeliberateCallsInThisTestAssemblyAndNothingElse()
    {
        var offenders = CallsIntoUnsafe(typeof(HiddenScalarScanTests).Assembly.Location);
        Assert.Equal(2, offenders.Count);
        Assert.Contains(offenders, o => o.Contains(nameof(DeliberatelyUnsafe), StringComparison.Ordinal) && o.Contains("square()", StringComparison.Ordinal));
        // BatchNorm1d inherits BatchNorm.forward, which converts its momentum and eps.
        Assert.Contains(offenders, o => o.Contains(nameof(DeliberatelyUnsafeModule), StringComparison.Ordinal) && o.Contains("forward makes a Scalar", StringComparison.Ordinal));
    }

#pragma warning disable RS0030 // deliberately unsafe: the scan must find this call
    private static Tensor DeliberatelyUnsafe(Tensor x) => x.square();
    private static nn.Module<Tensor, Tensor> DeliberatelyUnsafeModule() => nn.BatchNorm1d(4);
#pragma warning restore RS0030

    private static List<string> CallsIntoUnsafe(string assemblyPath)
    {
        var unsafeMethods = Unsafe.Value;
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        var offenders = new List<string>();
        foreach (var type in module.GetTypes())
        {
            foreach (var method in type.Methods.Where(m => m.HasBody))
            {
                foreach (var instruction in method.Body.Instructions)
                {
                    if (instruction.Operand is not MethodReference callee || callee.DeclaringType.Scope.Name is not ("TorchSharp" or "TorchSharp.dll")) continue;
                    var name = callee.GetElementMethod().FullName;
                    if (unsafeMethods.Contains(name))
                        offenders.Add($"{type.FullName}.{method.Name} -> {name}");
                    // Modules are called through the virtual forward, which IL cannot resolve: judge them where they are made.
                    if (ModuleForwardIsUnsafe(callee.ReturnType, unsafeMethods) || (callee.Name == ".ctor" && ModuleForwardIsUnsafe(callee.DeclaringType, unsafeMethods)))
                        offenders.Add($"{type.FullName}.{method.Name} -> {name} (its forward makes a Scalar)");
                }
            }
        }
        return offenders.Distinct().ToList();
    }

    private static bool ModuleForwardIsUnsafe(TypeReference type, HashSet<string> unsafeMethods)
    {
        // forward may be inherited (BatchNorm1d uses BatchNorm's): walk the base types.
        for (var t = type.Namespace == "TorchSharp.Modules" ? type.Resolve() : null; t is not null; t = t.BaseType?.Resolve())
            if (t.Methods.Any(m => m.Name == "forward" && unsafeMethods.Contains(m.FullName))) return true;
        return false;
    }

    /// <summary>Methods of TorchSharp.dll that call Scalar's implicit conversion or ToScalar, directly or transitively.</summary>
    private static HashSet<string> FindScalarMakingMethods()
    {
        using var torchSharp = ModuleDefinition.ReadModule(typeof(torch).Assembly.Location);
        var callees = new Dictionary<string, List<string>>();
        var result = new HashSet<string>();
        foreach (var type in torchSharp.GetTypes())
        {
            foreach (var method in type.Methods.Where(m => m.HasBody))
            {
                var calls = new List<string>();
                foreach (var instruction in method.Body.Instructions)
                {
                    if (instruction.Operand is not MethodReference callee) continue;
                    if ((callee.DeclaringType.Name == "Scalar" && callee.Name == "op_Implicit") || callee.Name == "ToScalar")
                        result.Add(method.FullName);
                    calls.Add(callee.GetElementMethod().FullName);
                }
                callees[method.FullName] = calls;
            }
        }
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (method, calls) in callees)
                if (!result.Contains(method) && calls.Any(result.Contains)) changed |= result.Add(method);
        }
        return result;
    }
}
