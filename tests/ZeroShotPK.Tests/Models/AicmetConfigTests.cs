using ZeroShotPK.Models.Neural;

namespace ZeroShotPK.Tests.Models;

public class AicmetConfigTests
{
    [Fact]
    public void NamedConfigsResolveAndJsonRoundTrips()
    {
        Assert.Same(AicmetConfig.Small, AicmetConfig.Resolve("small"));
        Assert.Equal(4, AicmetConfig.Resolve("PAPER").Architecture.EncoderLayers);
        Assert.Equal(256, AicmetConfig.Paper.Architecture.EncoderWidth);
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, AicmetConfig.Paper.ToJson());
            Assert.Equal(AicmetConfig.Paper, AicmetConfig.Load(path));
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("{ \"name\": \"x\", \"architecture\": { \"encoderWidth\": 4 } }", "EncoderWidth must be in 8..1024, got 4.")]
    [InlineData("{ \"name\": \"x\", \"architecture\": { \"widht\": 64 } }", "invalid AICMET config at line 1")]
    [InlineData("{ \"name\": \"x\",\n \"training\": { \"batchSize\": 0 } }", "BatchSize must be in 1..4096, got 0.")]
    [InlineData("{ \"name\": \"x\",\n \"training\": { \"batchSize\": \"many\" } }", "invalid AICMET config at line 2")]
    public void BadConfigFilesAreRejectedNamingFileAndField(string json, string expected)
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, json);
            var ex = Assert.Throws<ArgumentException>(() => AicmetConfig.Load(path));
            Assert.StartsWith(path + ": ", ex.Message);
            Assert.Contains(expected, ex.Message);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void UnknownConfigNameIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => AicmetConfig.Resolve("medium"));
        Assert.Equal("--config: expected small, paper, transformer-small, transformer-paper, pff-small or an existing JSON file, got 'medium'.", ex.Message);
    }
}
