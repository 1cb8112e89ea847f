using System.Text.Json.Nodes;

namespace Orleans.Workflow.Cli.Tests;

/// <summary>
/// Every example whose header says <c># runs offline</c> runs as the README says: the built <c>owf</c> as a real
/// process from the repository root, on the embedded default, with no params, and succeeds.
/// </summary>
public sealed class ExampleRunTests
{
    public const string OfflineMarker = "# runs offline";

    /// <summary>The examples that claim to run offline: a line of their leading comment block is exactly the marker.</summary>
    public static string[] OfflineExamples() =>
        [.. CliKit.ExampleFiles().Where(file => File.ReadLines(file).TakeWhile(l => l.StartsWith('#')).Any(l => l.Trim() == OfflineMarker)).Select(Path.GetFileName).OfType<string>()];

    public static TheoryData<string> Offline() => [.. OfflineExamples()];

    [Fact]
    public void OfflineExamples_IncludeHelloAndTheEtlExamples()
    {
        Assert.Superset(new HashSet<string> { "hello.yaml", "etl-countries.yaml", "population-import.yaml" }, OfflineExamples().ToHashSet());
    }

    [Theory]
    [MemberData(nameof(Offline))]
    public async Task Run_OfflineExampleFromTheRepositoryRoot_Succeeds(string file)
    {
        var result = await ProcessTests.RunProcessAsync("run", $"examples/playbooks/{file}", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var snapshot = JsonNode.Parse(result.Stdout)!;
        Assert.Equal("succeeded", (string?)snapshot["status"]);
        Assert.Null(snapshot["error"]);
    }
}
